"""Every refusal and failure becomes an HTTP answer here, once: a page for people, an
application/problem+json body (RFC 9457) under /api."""

from flask import Flask, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .api.problems import problem
from .booking.errors import BookingChanged, BookingError
from .database import ServiceBusy


def _wants_problem() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(BookingError)
    def refused(exc: BookingError):
        if _wants_problem():
            return problem(exc.status, exc.code, str(exc.message))
        return render_template("errors/refused.html", error=exc), exc.status

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(_exc):
        return refused(BookingChanged())

    @app.errorhandler(ServiceBusy)
    def busy(_exc):
        message = _("The service is very busy right now. Please try again in a moment.")
        if _wants_problem():
            response = problem(503, "busy", message)
        else:
            response = app.make_response(
                (render_template("errors/http.html", status=503, message=message), 503)
            )
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            400: _("The request could not be understood. Please go back and try again."),
            403: _("You do not have permission to see this page."),
            404: _("This page does not exist, or no longer exists."),
            405: _("This action is not allowed here."),
            413: _("The request is too large."),
            415: _("Please send the body as JSON, with the type application/json."),
            429: _("Too many attempts. Please wait a minute and try again."),
        }
        message = messages.get(exc.code, _("Something went wrong."))
        if _wants_problem():
            response = problem(exc.code, f"http_{exc.code}", message)
        else:
            response = app.make_response(
                (render_template("errors/http.html", status=exc.code, message=message), exc.code)
            )
        for header in ("Retry-After", "Allow"):
            if exc.get_response().headers.get(header):
                response.headers[header] = exc.get_response().headers[header]
        return response

    @app.errorhandler(500)
    def server_error(_exc):
        message = _("Something went wrong on our side. Nothing was booked; please try again.")
        if _wants_problem():
            return problem(500, "server_error", message)
        return render_template("errors/http.html", status=500, message=message), 500
