"""Pages everyone sees that belong to no programme: the home page, the language switch, and
the load balancer's health check."""

from flask import Blueprint, current_app, make_response, redirect, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    return render_template("public/home.html")


@bp.route("/lingua/<language>")
def set_language(language: str):
    """Remember the chosen language and go back where the visitor was."""
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["LANGUAGES"][0]
    back = request.args.get("next", "/")
    if not back.startswith("/") or back.startswith("//"):
        back = "/"  # only our own pages: no open redirect
    response = make_response(redirect(back, 303))
    response.set_cookie(
        current_app.config["LANGUAGE_COOKIE"],
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
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
