"""The security headers of every answer (centrale_booking/security.py): pages, API, errors and
static files alike carry the Content-Security-Policy and its companions; nothing but a static
file may be stored by a cache; HSTS and Secure cookies when the site is served over https.
And the page templates keep to the policy: no inline script, style or handler."""

import re
from datetime import timedelta

import pytest

from centrale_booking.extensions import utcnow
from centrale_booking.security import CONTENT_SECURITY_POLICY
from tests.conftest import ROOT
from tests.factories import make_event, make_slot

REGISTRATION = {
    "name": "Giulia Bianchi",
    "email": "giulia@example.org",
    "seats": 1,
    "language": "it",
    "privacy_consent": True,
}


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def an_event():
    event = make_event()
    make_slot(capacity=10, programme=event, starts_at=utcnow() + timedelta(days=10))
    return event


def answers(client) -> dict[str, object]:
    """One answer of each kind the site gives."""
    event = an_event()
    created = client.post(f"/api/v1/events/{event.id}/bookings", json=REGISTRATION)
    assert created.status_code == 201
    return {
        "home page": client.get("/"),
        "event page": client.get(f"/eventi/{event.id}"),
        "manage page": client.get(created.get_json()["manage_url"].split("booking.test")[1]),
        "login page": client.get("/staff/login"),
        "staff redirect": client.get("/staff/eventi/"),
        "page not found": client.get("/no-such-page"),
        "method not allowed": client.delete("/"),
        "API list": client.get("/api/v1/events"),
        "API 201": created,
        "API 422": client.post(f"/api/v1/events/{event.id}/bookings", json={}),
        "API 404": client.get("/api/v1/no-such-thing"),
        "OpenAPI": client.get("/api/v1/openapi.json"),
        "calendar feed": client.get("/calendar.ics"),
        "static file": client.get("/static/css/centrale.css"),
    }


def test_every_answer_carries_the_policy_and_its_companions(client, app):
    for name, response in answers(client).items():
        assert policy(response) == {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "font-src": "'self' data:",
            "connect-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        }, name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["X-Frame-Options"] == "DENY", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
        assert "Strict-Transport-Security" not in response.headers, name  # http: no HSTS


def test_the_policy_allows_nothing_inline_and_no_other_host():
    for directive, sources in CONTENT_SECURITY_POLICY.items():
        sources = [sources] if isinstance(sources, str) else sources
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"} & set(sources)
        assert all(s.startswith("'") or s == "data:" for s in sources), directive


def test_a_server_error_carries_the_headers_too(client, app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken-for-a-test", "broken_for_a_test", broken)
    response = client.get("/broken-for-a-test")
    assert response.status_code == 500
    assert policy(response)["frame-ancestors"] == "'none'"
    assert response.headers["Cache-Control"] == "no-store"


def test_nothing_but_static_files_and_public_feeds_may_be_stored(client, app):
    for name, response in answers(client).items():
        cache = response.headers.get("Cache-Control", "")
        if name == "static file":
            assert "no-store" not in cache
        elif name == "calendar feed":
            assert cache.startswith("public")
        else:
            assert "no-store" in cache, f"{name}: {cache!r}"


@pytest.fixture
def https_site(app_config):
    app_config["BASE_URL"] = "https://prenota.centraleacqua.example"
    app_config["WTF_CSRF_ENABLED"] = True  # so that the login form puts its token in a cookie


def test_over_https_hsts_is_sent_and_cookies_are_secure(https_site, client, app):
    response = client.get("/staff/login", base_url="https://prenota.centraleacqua.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = response.headers["Set-Cookie"]  # the login form's CSRF token lives in the session
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_behind_a_proxy_that_says_https_hsts_is_sent(https_site, client, app):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# The page templates keep to the policy ----------------------------------------------------------

TEMPLATES = ROOT / "templates"
# Emails and PDFs are not pages a browser loads under the policy: they keep inline styles.
NOT_PAGES = ("email", "pdf")

INLINE = {
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "a <style> block": re.compile(r"<style[\s>]", re.I),
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "an on*= handler": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] not in NOT_PAGES:
            yield path


def test_page_templates_have_nothing_inline_that_the_policy_refuses():
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in page_templates()
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert found == []
    assert len(list(page_templates())) > 10  # the scan looks where the templates are


def test_the_scan_would_see_each_kind_of_inline_code():
    samples = {
        "a style attribute": '<p style="color:red">',
        "a <style> block": "<style>p{}</style>",
        "an inline <script>": "<script>alert(1)</script>",
        "an on*= handler": '<button onclick="go()">',
        "a javascript: URL": '<a href="javascript:go()">',
    }
    for what, sample in samples.items():
        assert INLINE[what].search(sample), what
    assert not INLINE["an inline <script>"].search('<script src="/static/js/desk.js"></script>')
