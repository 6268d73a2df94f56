"""Centrale Booking: the booking system of the Centrale dell'Acqua, Milan."""

import os
import secrets
from pathlib import Path

from flask import Flask, abort, request

from .config import Defaults

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CentraleFlask(Flask):
    def log_exception(self, exc_info) -> None:
        # Flask's own line names the path, which may carry a manage token or a ticket code:
        # the route's pattern instead, as the request log does.
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        self.logger.error("Exception on %s [%s]", rule, request.method, exc_info=exc_info)


def _no_nul_in_the_path():
    # No page has a NUL in its address, and PostgreSQL cannot even compare a text with one.
    if "\x00" in request.path:
        abort(404)


def create_app(overrides: dict | None = None) -> Flask:
    instance_path = os.environ.get("CENTRALE_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))
    app = CentraleFlask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)  # instance/config.py
    app.config.from_prefixed_env("CENTRALE")  # CENTRALE_HOLD_MINUTES=20
    if url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.update(overrides or {})
    if app.config["BASE_URL"].startswith("https://"):
        # Served over https: no cookie of ours ever goes over plain http.
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    _fill_instance_defaults(app)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]  # pages' dates: Milan's

    from . import database, errors, i18n, logs, museum, ratelimits, security
    from .converters import CONVERTERS

    app.url_map.converters.update(CONVERTERS)  # before any route: <id:…> everywhere
    app.before_request(_no_nul_in_the_path)
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **database.engine_options(uri, app.config),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    _import_models()
    db.init_app(app)
    with app.app_context():
        database.install(db.engine, app.config)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = ratelimits.default_storage_uri(app.instance_path)
    limiter.init_app(app)
    ratelimits.say_where_counted(app)
    security.init_app(app)  # headers and the Content-Security-Policy of every answer

    from . import api, desk, programmes
    from .admin.emails import bp as emails_bp
    from .auth.views import bp as auth_bp
    from .manage.views import bp as manage_bp
    from .public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(emails_bp)  # the emails that did not leave, for administrators
    api.init_app(app)
    programmes.init_app(app)  # each kind of the registry, with its blueprints
    desk.init_app(app)  # the front desk: scanner, today's board, check-in API

    i18n.init_app(app)
    museum.init_app(app)
    errors.init_app(app)
    logs.init_app(app)

    from .cli import register

    register(app)
    if app.config["OUTBOX_THREAD"]:
        # `make run`: each web process delivers the outbox; the claims keep a message sent once.
        from .outbox.worker import start_thread

        app.extensions["outbox_thread"] = start_thread(app)
    return app


def _fill_instance_defaults(app: Flask) -> None:
    """The SQLite database and the secret key live in instance/, made on first run."""
    instance = Path(app.instance_path)
    # Private to the app's user: the database, the mail folder (manage links), the keys.
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    if instance.stat().st_uid == os.getuid():
        instance.chmod(0o700)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'centrale.db'}"
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        key_file = instance / "secret_key"
        if not key_file.exists():
            # Written aside, then linked in: workers starting together agree on one key.
            draft = instance / f".secret_key.{os.getpid()}"
            draft.write_text(secrets.token_hex(32))
            draft.chmod(0o600)
            try:
                os.link(draft, key_file)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        app.config["SECRET_KEY"] = key_file.read_text().strip()


def _private_sqlite_file(uri: str) -> None:
    # Made 0600 before SQLite opens it: SQLite then gives its WAL and shared-memory files the
    # database file's own permissions.
    prefix = "sqlite:///"
    if not uri.startswith(prefix) or uri == prefix or ":memory:" in uri:
        return
    path = Path(uri.removeprefix(prefix).partition("?")[0])
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _import_models() -> None:
    # Every table must be known to SQLAlchemy (and to Alembic) before the first query; the
    # programmes' own tables come with their kinds (programmes.INSTALLED).
    import importlib

    from . import forms as _forms  # noqa: F401  (the spent form tokens)
    from .auth import models as _auth  # noqa: F401
    from .booking import models as _booking  # noqa: F401
    from .documents import models as _documents  # noqa: F401
    from .outbox import models as _outbox  # noqa: F401
    from .programmes import INSTALLED

    for module in INSTALLED:
        importlib.import_module(f"{module}.models")
