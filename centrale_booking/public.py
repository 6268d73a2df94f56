"""Pages everyone sees that belong to no programme: the home page, the language switch, and
the load balancer's health check."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, redirect, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .programmes import home_teasers

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    teasers = home_teasers()
    shown = {key: value for teaser in teasers for key, value in teaser.context.items()}
    return render_template("public/home.html", teasers=teasers, **shown)


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.route("/lingua/<language>")
def set_language(language: str):
    """Remember the chosen language and go back where the visitor was."""
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["LANGUAGES"][0]
    back = own_page(request.args.get("next")) or "/"
    response = make_response(redirect(back, 303))
    response.set_cookie(
        current_app.config["LANGUAGE_COOKIE"],
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],  # true under https (create_app)
    )
    return response


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


def own_page(target: str | None) -> str | None:
    """The target if it is a path on this site, else None: a link that carries `next` must
    not send anyone to another site (no open redirect)."""
    if not target or not target.startswith("/"):
        return None
    # Browsers read a backslash as a slash and drop tabs and newlines, so /\evil.example or
    # a tab between two slashes would reach //evil.example, another host.
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target
