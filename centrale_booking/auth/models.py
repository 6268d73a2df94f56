"""Museum staff and what they did."""

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, utcnow


class Role(StrEnum):
    admin = "admin"  # everything, staff accounts included
    education = "education"  # catalogue, slots, bookings, exports
    desk = "desk"  # scanning and today's arrivals


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # In every session and "remember me" cookie of the account (get_id): a new one, on logout
    # or a new password, makes all of them stop working.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        self.session_token = secrets.token_hex(16)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active


class AuditLog(db.Model):
    """Who changed what in the back office, for the record."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(120), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class DeviceToken(db.Model):
    """A scanning device's key to the desk's API (Authorization: Bearer <token>), for a device
    nobody signs in on. Made by an admin (`flask tokens create`), shown once, stored as its
    SHA-256 only; revoked, it opens nothing."""

    __tablename__ = "device_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # the desk's name in its scans
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
