"""Fixtures: an app on a fresh database per test run, on SQLite and, when a server answers at
127.0.0.1:5432 (CI starts one), on PostgreSQL too. The schema is built by the migrations."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from centrale_booking import create_app
from centrale_booking.database import postgres_problem
from centrale_booking.extensions import db as _db

PG_ADMIN_URL = os.environ.get(
    "CENTRALE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


POSTGRES_PROBLEM = postgres_problem(PG_ADMIN_URL)


def pytest_report_header(config):
    if POSTGRES_PROBLEM:
        return (
            f"PostgreSQL half SKIPPED: {POSTGRES_PROBLEM}. Run .ci/run (or start it) to test both."
        )
    return "database tests run on SQLite and on PostgreSQL (127.0.0.1:5432)"


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """One fresh database per engine for the whole run, built by the migrations."""
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"}
    pg_name = None
    if not POSTGRES_PROBLEM:
        pg_name = f"centrale_test_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        admin.dispose()
        urls["postgresql"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{pg_name}"
    for url in urls.values():
        _migrate(url)
    yield urls
    if pg_name:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_test_config(url))
    with app.app_context():
        upgrade()
        _db.engine.dispose()


_INSTANCE = tempfile.mkdtemp(prefix="centrale-test-instance-")


def _test_config(url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(16),
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        # The default storage (a file every worker shares), fresh for each app.
        "RATELIMIT_STORAGE_URI": f"sqlitefile://{_INSTANCE}/ratelimits-{secrets.token_hex(6)}.db",
        "LOG_REQUESTS": False,
        "BASE_URL": "http://booking.test",
        "PUBLIC_PAGE_SECONDS": 0,  # every page fresh; tests/app/test_rendered.py keeps them
        **extra,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_name(request):
    if request.param == "postgresql" and POSTGRES_PROBLEM:
        pytest.skip(f"PostgreSQL half: {POSTGRES_PROBLEM}")
    return request.param


@pytest.fixture
def app_config():
    """Overrides for the app of one test (tests may add to it before using `app`)."""
    return {}


@pytest.fixture
def app(engine_name, database_urls, app_config):
    os.environ.setdefault("CENTRALE_INSTANCE_PATH", _INSTANCE)
    app = create_app(_test_config(database_urls[engine_name], **app_config))
    with app.app_context():
        _empty_tables()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def db(app):
    return _db


class FreshContextClient(FlaskClient):
    """Each request in an app context of its own, as in production: its own `g` (the language,
    the signed-in user) and its own database session. Afterwards the test's session ends its
    read transaction, so the test sees what the request committed."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.rollback()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


ROOT = Path(__file__).resolve().parent.parent
