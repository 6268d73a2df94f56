"""What is sent out: QR codes, the confirmation PDF (and keeping it), calendar files."""

from __future__ import annotations

import io
import re
import shutil
import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar
from PIL import Image
from sqlalchemy import func, select

from centrale_booking.booking.engine import cancel_booking, request_booking
from centrale_booking.booking.models import Slot
from centrale_booking.documents import pdf as pdf_module
from centrale_booking.documents.calendar import booking_ics
from centrale_booking.documents.models import KeptDocument
from centrale_booking.documents.pdf import (
    LocalFetcher,
    RefusedURL,
    confirmation_pdf,
    render_confirmation,
    renderer,
)
from centrale_booking.documents.qr import qr_matrix, qr_png, qr_svg
from centrale_booking.events.feeds import event_ics, events_feed
from centrale_booking.extensions import db, transaction
from centrale_booking.links import manage_url, ticket_url
from tests.factories import NOON, a_contact, make_campus, make_event, make_slot
from tests.helpers import (
    decoded_qr_codes,
    needs_poppler,
    pdf_image_count,
    pdf_links,
    pdf_text,
    run,
)

WINTER = datetime(2026, 12, 10, 17, 30, tzinfo=UTC)  # 18:30 in Milan, +01:00
SUMMER = datetime(2027, 7, 1, 16, 30, tzinfo=UTC)  # 18:30 in Milan, +02:00


def book(slot, quantity=2, language="it", name=None):
    with transaction():
        return request_booking(slot, quantity, a_contact(name, language), now=NOON)


# QR codes ---------------------------------------------------------------------------------------


def test_ticket_url_is_the_ticket_page_on_the_public_site(app):
    ticket = book(make_slot()).tickets[0]
    assert ticket_url(ticket) == f"http://booking.test/t/{ticket.code}"


def test_qr_svg_is_well_formed_labelled_and_draws_exactly_the_symbol(app):
    data = "http://booking.test/t/AbCdEfGhIjKlMnOpQrStUv"
    svg = qr_svg(data, "Ticket QR")
    root = ET.fromstring(str(svg))  # noqa: S314 (our own markup)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    matrix = qr_matrix(data)
    size = len(matrix)
    assert size == 33 + 8  # version 4 (33 modules) and the quiet zone of 4 on each side
    assert root.get("viewBox") == f"0 0 {size} {size}"
    assert root.get("role") == "img" and root.get("aria-label") == "Ticket QR"
    assert root.find("svg:title", ns).text == "Ticket QR"
    drawn = [[False] * size for _ in range(size)]
    path = root.find("svg:path", ns).get("d")
    for x, y, length in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path):
        for dx in range(int(length)):
            drawn[int(y)][int(x) + dx] = True
    assert drawn == matrix


def test_qr_png_has_one_square_per_module_and_reads_back(app, tmp_path):
    data = "http://booking.test/t/AbCdEfGhIjKlMnOpQrStUv"
    matrix = qr_matrix(data)
    image = Image.open(io.BytesIO(qr_png(data, module_px=8)))
    assert image.size == (len(matrix) * 8, len(matrix) * 8)
    pixels = image.convert("L").load()
    assert all(
        (pixels[x * 8 + 4, y * 8 + 4] == 0) == dark
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
    )
    if shutil.which("zbarimg"):
        (tmp_path / "qr.png").write_bytes(qr_png(data))
        assert run("zbarimg", "--quiet", "--raw", str(tmp_path / "qr.png")).strip() == data


# The confirmation PDF ---------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("language", ["it", "en"])
def test_confirmation_pdf_in_the_bookings_language(app, language):
    event = make_event(room="Sala delle pompe", cancel_deadline_hours=2)
    booking = book(make_slot(programme=event, starts_at=WINTER), language=language)
    content = confirmation_pdf(booking)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    with force_locale(language):
        heading = _("Booking confirmation")
    own, other = (event.title_it, event.title_en)[:: 1 if language == "it" else -1]
    assert heading in text and booking.reference in text
    assert own in text and other not in text
    assert "Piazza Diocleziano 5" in text and "Sala delle pompe" in text
    # 18:30 in Milan; cancellation closes 2 hours before, at 16:30
    if language == "it":
        assert "giovedì 10 dicembre 2026, 18:30" in text and "16:30" in text
    else:  # as the site writes it, not the American way (Thursday, December 10, 2026, 6:30 PM)
        assert "Thursday 10 December 2026, 18:30" in text and "16:30" in text
    assert pdf_links(content) == [manage_url(booking)]
    assert pdf_image_count(content) == 1


@needs_poppler
def test_one_qr_code_per_ticket_holding_the_ticket_url(app, tmp_path):
    campus = make_campus()
    booking = book(make_slot(programme=campus, starts_at=SUMMER), quantity=3)
    assert len(booking.tickets) == 3  # one per child
    content = confirmation_pdf(booking)
    assert pdf_image_count(content) == 3
    text = pdf_text(content)
    for ticket in booking.tickets:
        assert ticket.holder_label in text
    codes = decoded_qr_codes(content, tmp_path)
    if codes is not None:
        assert codes == sorted(ticket_url(t) for t in booking.tickets)


@needs_poppler
def test_a_booking_not_confirmed_gets_no_ticket(app):
    slot = make_slot(capacity=1)
    book(slot, quantity=1)
    waiting = book(slot, quantity=1)
    content = render_confirmation(waiting)
    assert pdf_image_count(content) == 0
    with force_locale("it"):
        assert _("Booking confirmation") in pdf_text(content)


def test_kept_pdf_is_served_again_without_rendering(app, monkeypatch):
    booking = book(make_slot())
    first = confirmation_pdf(booking)
    renders = []
    monkeypatch.setattr(
        pdf_module, "render_confirmation", lambda *a, **k: renders.append(a) or b"%PDF-new"
    )
    assert confirmation_pdf(booking) == first
    assert renders == []
    kept = db.session.scalars(select(KeptDocument)).all()
    assert [(k.booking_id, k.kind, k.version, k.language) for k in kept] == [
        (booking.id, "confirmation", booking.version, "it")
    ]


def test_a_changed_booking_renders_a_new_pdf_and_drops_the_old_one(app, monkeypatch):
    booking = book(make_slot())
    confirmation_pdf(booking)
    old_version = booking.version
    with transaction():
        booking.contact_phone = "+39 02 0000000"
    assert booking.version > old_version
    renders = []
    monkeypatch.setattr(
        pdf_module, "render_confirmation", lambda *a, **k: renders.append(a) or b"%PDF-new"
    )
    assert confirmation_pdf(booking) == b"%PDF-new"
    assert len(renders) == 1
    assert db.session.scalars(select(KeptDocument.version)).all() == [booking.version]


def test_kept_inside_the_callers_transaction_when_called_in_one(app):
    booking = book(make_slot())
    with transaction():
        content = confirmation_pdf(booking)
    db.session.rollback()
    assert db.session.scalar(select(KeptDocument.content)) == content


def test_a_pdf_kept_meanwhile_by_another_host_wins(app, monkeypatch):
    booking = book(make_slot())
    theirs = confirmation_pdf(booking)
    # This host looked before the other one had kept its copy, then rendered its own.
    real_kept, looks = pdf_module._kept, []

    def kept_after_the_first_look(*args):
        looks.append(args)
        return None if len(looks) == 1 else real_kept(*args)

    monkeypatch.setattr(pdf_module, "_kept", kept_after_the_first_look)
    monkeypatch.setattr(pdf_module, "render_confirmation", lambda *a, **k: b"%PDF-ours")
    assert confirmation_pdf(booking) == theirs  # the clash is no error: the kept one is served
    assert len(looks) == 2
    assert db.session.scalar(select(KeptDocument.content)) == theirs


def test_another_language_is_kept_beside(app):
    booking = book(make_slot(), language="en")
    english = confirmation_pdf(booking)
    italian = confirmation_pdf(booking, "it")
    assert english != italian
    assert db.session.scalar(select(func.count()).select_from(KeptDocument)) == 2


# The renderer fetches nothing ------------------------------------------------------------------


def test_fetcher_serves_static_files_and_memory_and_refuses_the_rest(app):
    fetcher = LocalFetcher(app.static_folder, "http://booking.test/", {"qr-1.png": b"PNG"})
    assert fetcher.fetch("http://booking.test/static/css/print-pdf.css").read().startswith(b"/*")
    assert fetcher.fetch("memory:qr-1.png").read() == b"PNG"
    for url in (
        "https://example.org/x.png",
        "http://booking.test.example.org/static/css/print-pdf.css",
        "https://booking.test/static/css/print-pdf.css",  # another origin
        "http://booking.test/static/../centrale_booking/config.py",
        "http://booking.test/static/%2e%2e/centrale_booking/config.py",
        "http://booking.test/healthz",
        "file:///etc/passwd",
        "memory:nothing.png",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


@needs_poppler
def test_rendering_never_touches_the_network(app, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the PDF renderer opened a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    page = (
        "<html><body><p>Remote things</p>"
        '<img src="https://example.org/x.png">'
        '<link rel="stylesheet" href="https://example.org/x.css">'
        '<p style="background: url(http://example.org/y.png)">x</p></body></html>'
    )
    content = renderer().render(page)
    assert content.startswith(b"%PDF-")
    assert pdf_image_count(content) == 0


# Calendar files ---------------------------------------------------------------------------------


def one_event(content: bytes):
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.parametrize(
    ("starts_at", "offset", "local"),
    [
        (WINTER, timedelta(hours=1), "20261210T183000"),
        (SUMMER, timedelta(hours=2), "20270701T183000"),
    ],
)
def test_booking_ics_in_milan_time_with_its_zone(app, starts_at, offset, local):
    event = make_event(room="Sala delle pompe")
    booking = book(make_slot(programme=event, starts_at=starts_at), language="en")
    content = booking_ics(booking)
    calendar, vevent = one_event(content)
    assert f"DTSTART;TZID=Europe/Rome:{local}".encode() in content
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]
    start, end = vevent.decoded("dtstart"), vevent.decoded("dtend")
    assert start.utcoffset() == offset and start == starts_at
    assert end - start == timedelta(hours=2)
    assert str(vevent["uid"]) == f"booking-{booking.reference}@booking.test"
    assert str(vevent["summary"]) == event.title_en
    assert str(vevent["location"]) == (
        "Sala delle pompe, Centrale dell'Acqua, Piazza Diocleziano 5, 20154 Milano"
    )
    assert booking.manage_token not in content.decode()  # calendars are shared and synced
    assert str(vevent["url"]) == f"http://booking.test/eventi/{event.id}"
    assert booking.reference in str(vevent["description"])
    assert str(vevent["url"]) in str(vevent["description"])
    assert str(vevent["status"]) == "CONFIRMED" and str(calendar["method"]) == "PUBLISH"
    (alarm,) = vevent.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(days=-1)


def test_cancelled_booking_ics_replaces_the_event_with_a_cancellation(app):
    booking = book(make_slot(starts_at=WINTER))
    _, before = one_event(booking_ics(booking))
    with transaction():
        cancel_booking(booking, now=NOON)
    calendar, after = one_event(booking_ics(booking))
    assert str(calendar["method"]) == "CANCEL" and str(after["status"]) == "CANCELLED"
    assert after["uid"] == before["uid"]
    assert after.decoded("sequence") > before.decoded("sequence")
    assert after.walk("VALARM") == []


def test_campus_week_is_the_daily_hours_repeated_to_the_last_day(app):
    campus = make_campus()
    first = datetime(2026, 12, 28, 7, 30, tzinfo=UTC)  # Monday 8:30 in Milan
    with transaction():
        slot = Slot(
            programme=campus,
            starts_at=first,
            ends_at=first + timedelta(days=3, hours=8),  # Thursday 16:30
            capacity=25,
        )
        db.session.add(slot)
    _, vevent = one_event(booking_ics(book(slot, quantity=1)))
    assert vevent.decoded("dtend") - vevent.decoded("dtstart") == timedelta(hours=8)
    rule = vevent["rrule"]
    assert rule["FREQ"] == ["DAILY"] and rule["UNTIL"] == [first + timedelta(days=3, hours=8)]


def test_events_feed_holds_the_upcoming_and_the_last_30_days(app):
    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    shown = {}
    for name, days in (("recent", -10), ("upcoming", 20), ("old", -40)):
        event = make_event(title_it=name)
        shown[name] = make_slot(programme=event, starts_at=now + timedelta(days=days))
    hidden = make_slot(programme=make_event(published=False), starts_at=now + timedelta(days=5))
    called_off = make_slot(
        programme=make_event(title_it="called off"),
        starts_at=now + timedelta(days=3),
        cancelled_at=now - timedelta(days=1),
    )
    events = [slot.programme for slot in [*shown.values(), hidden, called_off]]
    calendar = Calendar.from_ical(events_feed(events, now))
    assert "#InCentrale" in str(calendar["x-wr-calname"])
    assert calendar.decoded("refresh-interval") == timedelta(hours=6)
    by_summary = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(by_summary) == {"recent", "upcoming", "called off"}
    assert str(by_summary["called off"]["status"]) == "CANCELLED"
    assert str(by_summary["upcoming"]["uid"]) == f"slot-{shown['upcoming'].id}@booking.test"
    event_id = shown["upcoming"].programme.id
    assert str(by_summary["upcoming"]["url"]) == f"http://booking.test/eventi/{event_id}"
    assert event_ics(shown["upcoming"].programme).count(b"BEGIN:VEVENT") == 1


def test_calendar_routes(client, app):
    now = datetime.now(UTC)
    event = make_event(title_it="Concerto")
    make_slot(programme=event, starts_at=now + timedelta(days=3))
    hidden = make_event(published=False)
    feed = client.get("/calendar.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert b"SUMMARY:Concerto" in feed.data
    single = client.get(f"/eventi/{event.id}/evento.ics")
    assert single.status_code == 200 and b"SUMMARY:Concerto" in single.data
    assert client.get(f"/eventi/{hidden.id}/evento.ics").status_code == 404


@needs_poppler
def test_an_emoji_in_a_name_prints_as_its_name_never_as_a_blank(app):
    booking = book(make_slot(), 1, language="it", name="Giulia 🌊 Rossi 👩‍👧")
    text = " ".join(pdf_text(render_confirmation(booking)).split())
    assert "Giulia (water wave) Rossi (woman girl)" in text
    assert "🌊" not in text


def test_printable_keeps_letters_and_names_pictographs(app):
    from centrale_booking.documents.pdf import printable

    assert printable("Caffè, città, Ñandú") == "Caffè, città, Ñandú"
    assert printable("Festa ⭐️🇮🇹") == "Festa (white medium star I T)"
    assert printable("👍🏽 ok") == "(thumbs up sign) ok"
