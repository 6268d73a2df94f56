"""Real-browser fixtures: the app served on 127.0.0.1 on a free port for the whole session,
and one headless Chromium (Debian's, at /usr/bin/chromium) driven by Playwright.

Every page is opened in a fresh browser context that refuses, and records, any request to
another host: a page must load nothing from a third-party host. The app runs with its
Content-Security-Policy (security.py), and every violation a page reports (its
securitypolicyviolation events and the console's "Content Security Policy" errors) fails the
test that opened it."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from centrale_booking import create_app
from tests.conftest import _INSTANCE, _test_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _no_browser_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def live_app(database_urls):
    """The app on the SQLite test database, as a browser reaches it: CSRF on. The login limit
    is raised: these tests sign in more often than a person would (tests/auth/test_auth.py
    tests it)."""
    os.environ.setdefault("CENTRALE_INSTANCE_PATH", _INSTANCE)
    return create_app(
        _test_config(
            database_urls["sqlite"],
            WTF_CSRF_ENABLED=True,
            TESTING=False,
            LOGIN_RATE_LIMIT="1000 per minute",
        )
    )


@pytest.fixture(scope="session")
def live_server(live_app):
    """The base URL of the app, served on 127.0.0.1 on a free port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    reason = _no_browser_reason()
    if reason:
        print(f"\nbrowser tests skipped: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Runs in every document before its own scripts (Playwright's init scripts are not subject to
# the page's policy) and reports each violation to the test, whatever page it happens on.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
    window.reportCspViolation(
        `${e.violatedDirective} refused ${e.blockedURI || "inline code"}`
        + ` at ${e.documentURI} (${e.sourceFile || "the page"}:${e.lineNumber})`
        + (e.sample ? `: ${e.sample}` : ""));
});
"""


class Visit:
    """Opens pages of the live app in one language, in a context of its own, and records every
    Content-Security-Policy violation its pages report (`csp_violations`)."""

    def __init__(self, browser, base_url: str, language: str, width: int = 1280):
        self.base_url = base_url
        self.foreign_requests: list[str] = []
        self.csp_violations: list[str] = []
        self.context = browser.new_context(
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport={"width": width, "height": 900},
        )
        self.context.set_default_timeout(10_000)
        self.context.route("**/*", self._only_our_host)
        self.context.expose_function("reportCspViolation", self._violation)
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.context.on("console", self._console)
        self.page = self.context.new_page()

    def _violation(self, report: str) -> None:
        self.csp_violations.append(report)

    def flush_reports(self) -> None:
        """Wait until what the page has reported so far has reached us: a violation event is
        a task of its own, and its report comes before the answer of a later evaluate."""
        if not self.page.is_closed():
            self.page.evaluate("() => new Promise((done) => setTimeout(done, 0))")

    def _console(self, message) -> None:
        # Chromium also says so on the console, for a violation no event reaches (a report
        # made before the listener, or inside a frame).
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"console: {message.text}")

    def _only_our_host(self, route):
        url = route.request.url
        if urlsplit(url).netloc == urlsplit(self.base_url).netloc or url.startswith("data:"):
            route.continue_()
        else:
            self.foreign_requests.append(url)
            route.abort()

    def open(self, path: str):
        response = self.page.goto(self.base_url + path, wait_until="load")
        return response

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, live_server):
    """visit("it") or visit("en", width=390): a page in that language. The test fails if any
    page it opened reported a Content-Security-Policy violation."""
    opened: list[Visit] = []

    def open_visit(language: str, width: int = 1280) -> Visit:
        opened.append(Visit(browser, live_server, language, width))
        return opened[-1]

    yield open_visit
    violations = []
    for v in opened:
        v.flush_reports()
        violations += v.csp_violations
        v.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))
