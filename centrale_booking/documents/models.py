"""Documents rendered once and kept in the database, so that every host serves the same bytes
without rendering them again."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db, utcnow


class KeptDocument(db.Model):
    """A rendered document of a booking (kind "confirmation": the PDF), for one version of the
    booking in one language. A change to the booking bumps its version: the next request
    renders a new one and the older versions are dropped."""

    __tablename__ = "kept_document"
    __table_args__ = (UniqueConstraint("booking_id", "kind", "version", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[int]
    language: Mapped[str] = mapped_column(String(5))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
