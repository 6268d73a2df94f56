"""Language: Italian by default, English second. A visible switch remembers the choice in a
cookie; without one, the browser's Accept-Language decides; Italian when it asks for neither."""

from flask import Flask, current_app, request
from flask_babel import get_locale


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def current_language() -> str:
    return str(get_locale() or current_app.config["LANGUAGES"][0])


def init_app(app: Flask) -> None:
    @app.after_request
    def vary_by_language(response):
        # The same URL answers in either language: a shared cache must keep both apart.
        response.vary.update(("Accept-Language", "Cookie"))
        return response

    @app.context_processor
    def language_context():
        return {"current_language": current_language(), "languages": app.config["LANGUAGES"]}
