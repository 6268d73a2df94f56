"""The hot path's rules for a table it writes (booking/fastpath.py): what it cannot write
right is refused when first used, never written half right."""

import pytest
from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from centrale_booking.booking.fastpath import insertable_columns
from centrale_booking.booking.models import Booking, Ticket
from centrale_booking.outbox.models import OutboxMessage


class Base(DeclarativeBase):  # not the app's metadata: these tables never exist
    pass


class WithServerDefault(Base):
    __tablename__ = "with_server_default"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(10), server_default="x")


class WithSqlDefault(Base):
    __tablename__ = "with_sql_default"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(10), default=func.lower("X"))


class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "parent"}


class Child(Parent):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(ForeignKey("parent.id"), primary_key=True)
    __mapper_args__ = {"polymorphic_identity": "child"}


def test_a_server_default_is_refused_not_silently_left_out():
    with pytest.raises(TypeError, match="server default"):
        insertable_columns(WithServerDefault)


def test_a_sql_default_and_a_joined_inheritance_are_refused():
    with pytest.raises(TypeError, match="SQL or Sequence"):
        insertable_columns(WithSqlDefault)
    with pytest.raises(TypeError, match="inheritance"):
        insertable_columns(Child)


@pytest.mark.parametrize("model", [Booking, Ticket, OutboxMessage])
def test_the_tables_the_hot_path_writes_follow_its_rules(model):
    written = {column for _, column, _ in insertable_columns(model)}
    assert written == {c.key for c in model.__table__.columns if not c.primary_key}
