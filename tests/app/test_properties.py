"""Property-based tests (hypothesis): whatever is typed into a text field or an email field, or
put into a URL, the answer is a value or a clear message, never an exception or a 500.

The examples are bounded (a few hundred a property at most) and no example database is
kept, so a run is repeatable from its seed alone (pytest -p hypothesis --hypothesis-seed=…)."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.routing import ValidationError

from centrale_booking.events.forms import EventRegistrationForm
from centrale_booking.extensions import utcnow
from centrale_booking.text import (
    CONTROL,
    LINE_BREAKS,
    NO_LINKS,
    NOT_TEXT,
    NOTHING_VISIBLE,
    ONE_LINE,
    name_problem,
    text_problem,
)
from tests.factories import make_event, make_slot

# Any character at all, lone surrogates included, with the troublesome ones made likely.
TROUBLE = sorted(LINE_BREAKS) + ["\x00", "\t", "\x1b", "\x7f", "\x9b", "\ud800", "\udfff", "\u200b"]
ANY_CHARACTER = st.characters(codec=None, exclude_categories=()) | st.sampled_from(TROUBLE)
ANY_TEXT = st.text(ANY_CHARACTER, max_size=40)

FEW = settings(max_examples=200, deadline=None, database=None)
# A request per example: fewer, and the app fixture is shared by the examples on purpose.
THROUGH_HTTP = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def app_config():
    # Hundreds of requests from one address: the rate limits have their own tests.
    return {"RATELIMIT_ENABLED": False}


# The text rule ------------------------------------------------------------------------------


@FEW
@given(ANY_TEXT, st.booleans())
def test_the_text_rule_accepts_only_text_it_can_keep(value, multiline):
    problem = text_problem(value, multiline=multiline)
    if problem is None:
        value.encode("utf-8")  # storable and printable: no lone surrogate
        assert all(
            unicodedata.category(c) != "Cc" or c == "\t" or (multiline and c in "\r\n")
            for c in value
        )
        if not multiline:
            assert len(value.splitlines()) <= 1 and not LINE_BREAKS & set(value)
    else:
        assert problem in (CONTROL, NOT_TEXT, ONE_LINE, NOTHING_VISIBLE)


@FEW
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Zl", "Zp")), max_size=40))
def test_the_text_rule_accepts_any_printable_text(value):
    # accents, emoji, Arabic, spaces of every width: beside one letter, always kept
    assert text_problem("A" + value) is None


@pytest.mark.parametrize(
    ("value", "multiline", "message"),
    [
        ("Anna\u2028Rossi", False, ONE_LINE),
        ("Anna\nRossi", False, ONE_LINE),
        ("Anna\nRossi", True, None),
        ("riga\u2029nuova", True, None),
        ("Anna\x00Rossi", True, CONTROL),
        ("Anna\x85Rossi", True, CONTROL),
        ("Anna\ud800", False, NOT_TEXT),
        ("Anna\tRossi", False, None),
        ("\u200b\u200b", False, NOTHING_VISIBLE),  # zero-width spaces: looks empty
        ("\u3164", False, NOTHING_VISIBLE),  # the Hangul filler, a blank that is a letter
        ("\u2800 ", False, NOTHING_VISIBLE),  # the blank Braille pattern
        ("Zoë\u200d", False, None),
    ],
)
def test_the_text_rule_by_example(value, multiline, message):
    assert text_problem(value, multiline=multiline) == message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Anna Rossi", None),
        ("Vincenzo D'Angelo-Rossi", None),
        ("Dott.ssa Maria Bianchi", None),
        ("Win a prize at www.prize.example", NO_LINKS),
        ("Anna https://evil.example/x", NO_LINKS),
        ("Click evil.com now", NO_LINKS),
        ("anna@example.org", NO_LINKS),
    ],
)
def test_a_persons_name_carries_no_link(name, message):
    assert name_problem(name) == message


# The registration form: the text rule and the email rule, as a visitor meets them ----------


def registration_form(app, **data):
    form_data = {"name": "Anna Rossi", "email": "anna@example.org", "seats": "1"}
    form_data |= {"privacy_consent": "y", **data}
    # The body as a client can send it: a lone surrogate goes as the bytes it stands for (the
    # strict encoder of the test's request builder would refuse it), which the app meets as
    # Werkzeug decodes them.
    body = urlencode(form_data, encoding="utf-8", errors="surrogatepass")
    with app.test_request_context(
        method="POST", data=body, content_type="application/x-www-form-urlencoded"
    ):
        form = EventRegistrationForm(meta={"csrf": False})
        valid = form.validate()
        return valid, {name: [str(m) for m in ms] for name, ms in form.errors.items()}, form


@pytest.fixture
def sqlite_app(app, engine_name):
    if engine_name != "sqlite":
        pytest.skip("no database needed: once is enough")
    return app


@THROUGH_HTTP
@given(name=ANY_TEXT)
def test_any_name_gives_a_value_or_a_message_next_to_the_field(sqlite_app, name):
    valid, errors, form = registration_form(sqlite_app, name=name)
    if valid:
        assert text_problem(form.name.data) is None
    else:
        assert set(errors) == {"name"} and all(errors["name"])


EMAILISH = st.emails() | st.builds(
    lambda local, domain, noise: f"{local}{noise}@{domain}",
    st.text(ANY_CHARACTER, min_size=1, max_size=12),
    st.sampled_from(["example.org", "scuola.edu.it", "xn--caff-dma.it", "localhost", "a..b"]),
    st.sampled_from(["", "\n", "\r\nBcc: x@evil.test", "\u2028", " ", "\x00"]),
)


@THROUGH_HTTP
@given(email=EMAILISH | ANY_TEXT)
def test_any_email_gives_a_value_or_a_message_and_never_a_header_break(sqlite_app, email):
    valid, errors, form = registration_form(sqlite_app, email=email)
    if valid:
        address = form.email.data
        assert "@" in address
        assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in address)
    else:
        assert set(errors) == {"email"} and all(errors["email"])


# The API: the same rules through JSON ---------------------------------------------------------


@pytest.fixture
def bookable_event(app):
    event = make_event(max_per_booking=4)
    make_slot(capacity=100_000, programme=event, starts_at=utcnow() + timedelta(days=10))
    return event


@THROUGH_HTTP
@given(name=ANY_TEXT, email=EMAILISH)
def test_the_api_answers_any_text_with_a_booking_or_a_problem(client, bookable_event, name, email):
    body = {"name": name, "email": email, "seats": 1, "privacy_consent": True}
    reply = client.post(f"/api/v1/events/{bookable_event.id}/bookings", json=body)
    assert reply.status_code in (201, 409, 422), reply.get_data(as_text=True)
    if reply.status_code == 422:
        errors = reply.get_json()["errors"]
        assert errors and set(errors) <= {"name", "email"}
        assert all(isinstance(m, str) and m for ms in errors.values() for m in ms)


# URL converters --------------------------------------------------------------------------------

URL_PART = st.text(ANY_CHARACTER, min_size=1, max_size=30) | st.integers(-(2**70), 2**70).map(str)


def converters(app):
    """Every converter a route of the app uses, once each, with a route that uses it."""
    found = {}
    for rule in app.url_map.iter_rules():
        for converter in rule._converters.values():
            found.setdefault(repr(converter.__class__) + repr(vars(converter)), (converter, rule))
    return list(found.values())


@THROUGH_HTTP
@given(data=st.data())
def test_every_converter_gives_a_value_or_no_match(sqlite_app, data):
    for converter, rule in converters(sqlite_app):
        part = data.draw(URL_PART, label=f"{rule.rule}")
        try:
            value = converter.to_python(part)
        except ValidationError:
            continue  # no match: the URL map answers 404
        converter.to_url(value)  # and back


def get_routes(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.arguments and rule.endpoint != "static"
    ]


# Out-of-range ids (2**31 on PostgreSQL, 2**63 on SQLite) and a NUL in a path never reach the
# database: every route reads its ids with the one <id:…> converter, and a NUL is a 404.
@settings(THROUGH_HTTP, max_examples=15, phases=[Phase.explicit, Phase.generate])
@given(data=st.data())
def test_any_url_part_on_any_route_is_never_a_server_error(client, app, engine_name, data):
    for rule in get_routes(app):
        path = rule.rule
        for name in sorted(rule.arguments):
            part = quote(
                data.draw(URL_PART, label=f"{rule.rule} {name}").encode("utf-8", "replace")
            )
            path = re.sub(rf"<(?:[^<>]*:)?{name}>", lambda _m, part=part: part, path)
        reply = client.get(path)
        assert reply.status_code < 500, f"{path}: {reply.status_code}"
