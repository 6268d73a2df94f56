"""The Flask extensions, created unbound; create_app binds them to the app."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, registry

from .db_types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},  # stores UTC, refuses naive
    )


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def utcnow() -> datetime:
    return datetime.now(UTC)


WRITE = {"centrale_write": True}  # execution option: begin with the write lock (SQLite)


@contextmanager
def transaction() -> Iterator[None]:
    """Run the block as one writing transaction: commit it, or roll back and re-raise.

    A read transaction already under way (the user loader, a view's lookups) is ended first,
    so the block writes with the write lock taken from its first statement on (BEGIN
    IMMEDIATE on SQLite, see database.py) and sees fresh rows; objects loaded before are
    refreshed on their next access.

    A refusal may leave a consequence that must outlive its rollback (AlreadyBooked: the
    booking's link emailed again): its `after_rollback` runs in a transaction of its own.
    """
    session = db.session()  # this app context's Session, not the scoped proxy
    if session.new or session.dirty or session.deleted:
        # They would be lost to expire_all() below, or written outside the write lock.
        raise RuntimeError("changes made before transaction(): make them inside its block")
    if session.in_transaction():
        session.commit()
    # Objects kept from an earlier transaction (expire_on_commit is off) may be stale by now.
    # They are held here while the block runs: an object reached only through an expired
    # relationship (a slot's programme) stays in the identity map, and is refreshed in place
    # by one SELECT when read, instead of being dropped and loaded anew.
    held = list(session.identity_map.values())
    session.expire_all()
    session.connection(execution_options=WRITE)
    try:
        yield
        session.commit()
    except BaseException as exc:
        session.rollback()
        if (follow_up := getattr(exc, "after_rollback", None)) is not None:
            exc.after_rollback = None  # once, even if an outer transaction() sees it again
            with transaction():
                follow_up()
        raise
    finally:
        del held
