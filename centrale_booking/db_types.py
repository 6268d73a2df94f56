"""Column types shared by every model: UTC datetimes, enums stored by value, and text encrypted
at rest (children's health data)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import DateTime, Enum, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored in UTC. Refuses naive datetimes: a time without a
    zone is a bug waiting for the next daylight-saving change."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        value = value.astimezone(UTC)
        # SQLite has no time zones: store naive UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(cls: type[StrEnum], length: int = 16) -> Enum:
    # stores the values ("in"), not the names (inward)
    return Enum(
        cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


# --- Text encrypted at rest ----------------------------------------------------------------

KEYS_FILE = "health_keys"  # in instance/: one Fernet key a line, the newest first


def keys_path() -> Path:
    return Path(current_app.instance_path) / KEYS_FILE


def ensure_keys() -> Path:
    """The keys file, made with one new key on first run (0600)."""
    path = keys_path()
    if not path.exists():
        # Written aside, then linked in: workers starting together agree on one key.
        draft = path.with_name(f".{KEYS_FILE}.{os.getpid()}")
        draft.write_text(Fernet.generate_key().decode() + "\n")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path


def health_cipher() -> MultiFernet:
    """The keys of the instance: encrypts with the first, decrypts with any. Read again when
    the file changes (`flask campus rotate-key`), so running workers follow a rotation."""
    path = ensure_keys()
    stamp = path.stat().st_mtime_ns
    cached = current_app.extensions.get("centrale_health_cipher")
    if cached is None or cached[0] != stamp:
        keys = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        cached = (stamp, MultiFernet([Fernet(key) for key in keys]))
        current_app.extensions["centrale_health_cipher"] = cached
    return cached[1]


class EncryptedText(TypeDecorator):
    """Text stored encrypted with Fernet (AES and an HMAC): the database file holds tokens,
    never the text. The keys live in instance/, never in the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        return health_cipher().encrypt(value.encode()).decode("ascii")

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        return health_cipher().decrypt(value.encode("ascii")).decode()
