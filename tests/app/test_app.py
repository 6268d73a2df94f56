"""The application as operations see it: configuration, health check, request logs, demo data."""

import logging
import os
import stat
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from centrale_booking import create_app
from centrale_booking.auth.models import Role, StaffUser
from centrale_booking.booking.models import Programme, Slot
from centrale_booking.campus.models import Campus, Season
from centrale_booking.converters import IdConverter
from centrale_booking.events.models import Event
from centrale_booking.schools.models import Activity, GradeLevel

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CENTRALE_INSTANCE_PATH", str(tmp_path))
    return tmp_path


# Configuration --------------------------------------------------------------------------------


def test_secret_key_is_generated_once_into_the_instance_folder(instance_dir):
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key_file = instance_dir / "secret_key"
    assert len(first.config["SECRET_KEY"]) >= 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_default_database_is_sqlite_in_the_instance_folder(instance_dir, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance_dir / 'centrale.db'}"


def test_configuration_order_defaults_then_instance_file_then_environment(
    instance_dir, monkeypatch
):
    (instance_dir / "config.py").write_text("HOLD_MINUTES = 30\nBASE_URL = 'https://from.file'\n")
    assert create_app().config["HOLD_MINUTES"] == 30
    monkeypatch.setenv("CENTRALE_HOLD_MINUTES", "45")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    app = create_app()
    assert app.config["HOLD_MINUTES"] == 45
    assert app.config["BASE_URL"] == "https://from.file"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/elsewhere.db"


def test_no_secret_is_written_in_the_code():
    from centrale_booking.config import Defaults

    assert not getattr(Defaults, "SECRET_KEY", None)


# Health check and logs ------------------------------------------------------------------------


def test_healthz_answers_200_with_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-folder/centrale.db",
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1",
    ],
)
def test_healthz_answers_503_when_the_database_is_unreachable(instance_dir, url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "LOG_REQUESTS": False})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_each_request_logs_one_line_without_tokens_or_personal_data(app, caplog):
    app.config["LOG_REQUESTS"] = True
    logger = logging.getLogger("centrale_booking.requests")
    from centrale_booking import logs

    logs.init_app(app)
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="centrale_booking.requests"):
            app.test_client().get("/healthz")
            app.test_client().get("/staff/login?next=/secret-token-abc")
            app.test_client().get("/lingua/en?next=/anna.rossi@example.org")
    finally:
        logger.removeHandler(caplog.handler)
    lines = [r.getMessage() for r in caplog.records if r.name == "centrale_booking.requests"]
    assert len(lines) == 3
    assert lines[0].startswith("GET /healthz 200 ") and lines[0].endswith("ms")
    assert lines[2].startswith("GET /lingua/<language> 303 ")
    assert not any("secret-token" in line or "example.org" in line for line in lines)


# Demo data ------------------------------------------------------------------------------------


def counts(db):
    return (
        db.session.scalar(select(func.count(Programme.id))),
        db.session.scalar(select(func.count(Slot.id))),
        db.session.scalar(select(func.count(StaffUser.id))),
    )


def test_seed_demo_makes_a_believable_season_and_running_it_twice_changes_nothing(app, db, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = counts(db)
    second_run = runner.invoke(args=["seed-demo"])
    assert second_run.exit_code == 0 and "already there" in second_run.output
    assert counts(db) == first

    events = db.session.scalars(select(Event)).all()
    assert len(events) >= 30 and all(e.published and e.partners for e in events)
    starts = sorted(e.slots[0].starts_at.astimezone(ROME) for e in events)
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert max(gaps) <= timedelta(weeks=3)  # weekly, but for the Christmas break

    activities = db.session.scalars(select(Activity)).all()
    assert set().union(*(a.grades for a in activities)) == set(GradeLevel)
    school_starts = [s.starts_at.astimezone(ROME) for a in activities for s in a.slots]
    assert school_starts and all(start.weekday() < 5 for start in school_starts)

    campuses = {c.season: c for c in db.session.scalars(select(Campus))}
    assert set(campuses) == set(Season)
    assert campuses[Season.christmas].slots[0].starts_at.astimezone(ROME).year == 2026
    assert {s.starts_at.astimezone(ROME).month for s in campuses[Season.summer].slots} >= {6, 7}

    roles = set(db.session.scalars(select(StaffUser.role)))
    assert roles == set(Role)
    logins = runner.invoke(args=["demo-logins"]).output
    assert all(user.email in logins for user in db.session.scalars(select(StaffUser)))


def test_demo_passwords_are_random_not_in_the_code(app, db, runner):
    runner.invoke(args=["seed-demo"])
    import centrale_booking.demo as demo

    source = Path(demo.__file__).read_text()
    logins = runner.invoke(args=["demo-logins"]).output
    passwords = [line.split()[-1] for line in logins.splitlines()[1:] if line.strip()]
    assert len(passwords) == 3 and not any(p in source for p in passwords)
    assert os.path.exists(os.path.join(app.instance_path, "demo-logins.txt"))


def test_a_commit_is_on_disk_before_anyone_is_told(app, db):
    from sqlalchemy import text

    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        else:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"


# 500s anyone could trigger, and what a 500 writes ---------------------------------------------


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "10000-01", "2026-13"])
def test_an_unusable_month_filter_is_ignored(client, month):
    assert client.get("/eventi/", query_string={"mese": month}).status_code == 200


def _id_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IdConverter) for c in rule._converters.values())
    ]


def test_every_id_in_a_route_is_read_by_the_one_id_converter(app):
    assert _id_rules(app)  # the events' pages, staff pages and API at least
    plain_ints = [
        rule.rule
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if isinstance(converter, IntegerConverter) and not isinstance(converter, IdConverter)
    ]
    assert plain_ints == []


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_id_beyond_the_database_is_404_on_every_route(client, app, number):
    for rule in _id_rules(app):
        values = {name: number for name in rule.arguments}
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<id:{name}>", str(values[name]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            reply = client.open(path, method=method)
            assert reply.status_code == 404, (method, path, reply.status_code)


@pytest.mark.parametrize(
    "path", ["/prenotazione/CA-AAAAAA/%00", "/prenotazione/%00/x", "/t/%00", "/eventi/%00"]
)
def test_a_nul_in_the_path_is_404(client, path):
    assert client.get(path).status_code == 404


def test_a_500_logs_the_route_never_the_path(app, client, caplog):
    def fails(token):
        raise RuntimeError("a bug")

    app.add_url_rule("/guasto/<token>", "fails", fails)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        reply = client.get("/guasto/the-secret-token")
    assert reply.status_code == 500
    assert "the-secret-token" not in caplog.text
    assert "Exception on /guasto/<token> [GET]" in caplog.text


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_instance_folder_and_its_files_are_private(instance_dir, monkeypatch):
    from email.message import EmailMessage

    from centrale_booking.extensions import db
    from centrale_booking.outbox.transports import FileTransport

    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance_dir.chmod(0o755)  # made before by someone else's umask
    app = create_app()
    with app.app_context():
        with db.engine.begin() as connection:  # a write: the WAL and shared-memory files
            connection.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO probe VALUES (1)")
        database = instance_dir / "centrale.db"
        wal = instance_dir / "centrale.db-wal"
        assert _mode(instance_dir) == 0o700
        assert _mode(database) == 0o600 and wal.exists() and _mode(wal) == 0o600
        assert _mode(instance_dir / "secret_key") == 0o600
        message = EmailMessage()
        message.set_content("a manage link")
        FileTransport(instance_dir / "mail").send(message, name="one")
        assert _mode(instance_dir / "mail") == 0o700
        assert _mode(instance_dir / "mail" / "one.eml") == 0o600
        db.engine.dispose()
