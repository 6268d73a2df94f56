"""One line per request on stderr: method, route, status, duration. The route pattern is logged,
not the path, so tokens and codes in URLs never reach the logs; nor does any personal data."""

import logging
import sys
import time

from flask import Flask, g, request

log = logging.getLogger("centrale_booking.requests")


def init_app(app: Flask) -> None:
    if not app.config["LOG_REQUESTS"]:
        return
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        route = request.url_rule.rule if request.url_rule else "(no route)"
        log.info("%s %s %s %.1fms", request.method, route, response.status_code, duration_ms)
        return response
