"""Every answer of the scanner, in a real browser, with the real programmes (the demo's class
visit, evening event and campus families): its colour, words and icon, on a tablet and a
phone, in Italian and English. With DESK_SCREENSHOTS=<folder> each screen is also saved
there as a PNG, to be looked at."""

from __future__ import annotations

import os
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from centrale_booking import clock
from centrale_booking.booking.engine import cancel_booking, request_booking
from centrale_booking.booking.models import (
    Booking,
    CheckIn,
    CheckInCount,
    Programme,
    Slot,
    Ticket,
    Unit,
)
from centrale_booking.campus.models import Audience, Campus, CampusPickup, Season
from centrale_booking.demo import _seed_desk_campus, _seed_desk_classes, _seed_desk_event
from centrale_booking.extensions import db, transaction, utcnow
from tests.browser.test_desk import sign_in_at_the_desk, today_tickets  # noqa: F401
from tests.factories import a_contact, make_event

SHOTS = os.environ.get("DESK_SCREENSHOTS")


@pytest.fixture
def door_day(live_app, today_tickets):  # noqa: F811
    """Today's door: the demo's classes and event, a campus week with two families, an
    event of tomorrow and a cancelled booking, made once (the demo's parts are idempotent),
    every scan of the day before this test wiped. The codes by what they show."""
    today_tickets(1)  # the desk's account
    with live_app.app_context():
        day = clock.today()
        _make_once(day)
        with transaction():
            db.session.execute(delete(CampusPickup))
            db.session.execute(delete(CheckInCount))
            db.session.execute(delete(CheckIn))
        tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
        of = {t.holder_label: t.code for t in tickets}

        def of_programme(slug, admits=None):
            return [
                t
                for t in tickets
                if t.booking.slot.programme.slug == slug and admits in (None, t.admits)
            ]

        seats = of_programme(f"incentrale-oggi-{day.isoformat()}", 2)
        codes = {
            "child": of["Giulia B."],
            "brother": of["Marco C."],
            "class": of_programme(f"visita-oggi-{day.isoformat()}")[0].code,
            "seats": seats[0].code,
            "cancelled": seats[1].code,
            "wrong_day": of_programme(f"domani-{day.isoformat()}")[0].code,
        }
        db.session.remove()
    return codes


def _make_once(day: date) -> None:
    if db.session.scalar(select(Programme.id).where(Programme.slug == f"domani-{day}")):
        return
    with transaction():
        campus = Campus(
            slug=f"campus-oggi-{day.isoformat()}",
            season=Season.summer,
            title_it="Campus estivo",
            title_en="Summer campus",
            closure_starts=day,
            closure_ends=day + timedelta(days=4),
            audience=Audience.ages,
            min_age=6,
            max_age=11,
            leave_alone_min_age=10,
            published=True,
            unit=Unit.children,
            max_per_booking=4,
        )
        campus.slots = [
            Slot(
                starts_at=clock.museum_time(day, time(0, 5)),
                ends_at=clock.museum_time(day + timedelta(days=4), time(16, 30)),
                capacity=25,
            )
        ]
        db.session.add(campus)
    _seed_desk_event(day)
    _seed_desk_classes(day)
    _seed_desk_campus(day)
    tomorrow = make_event(
        slug=f"domani-{day}", title_it="Conferenza sull'acqua", title_en="Water talk"
    )
    starts = clock.museum_time(day + timedelta(days=1), time(18, 30))
    with transaction():
        slot = Slot(
            programme=tomorrow, starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=9
        )
        db.session.add(slot)
    with transaction():
        request_booking(slot, 1, a_contact("Elena Sala"), now=utcnow())
    event = db.session.scalar(
        select(Programme).where(Programme.slug == f"incentrale-oggi-{day.isoformat()}")
    )
    pairs = db.session.scalars(
        select(Booking)
        .where(Booking.slot_id == event.slots[0].id, Booking.quantity == 2)
        .order_by(Booking.id)
    ).all()
    with transaction():
        cancel_booking(pairs[1], now=utcnow(), by_staff=True)


def shot(page, name: str, language: str, width: int) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{language}-{width}.png", full_page=True)


def scan(page, code: str) -> None:
    done = page.evaluate("window.deskTimings.length")
    page.locator("#scan-code").fill(code)
    page.locator("#scan-code").press("Enter")
    page.wait_for_function(f"() => window.deskTimings.length > {done}")


WORDS = {
    "it": {
        "ok": "OK, può entrare",
        "already_used": "Già utilizzato",
        "wrong_day": "Giorno sbagliato",
        "cancelled": "Annullata",
        "unknown": "Biglietto sconosciuto",
        "choose": "Chi ritira?",
    },
    "en": {
        "ok": "OK, come in",
        "already_used": "Already used",
        "wrong_day": "Wrong day",
        "cancelled": "Cancelled",
        "unknown": "Unknown ticket",
        "choose": "Who is collecting?",
    },
}


@pytest.mark.parametrize("width", [1024, 390])
@pytest.mark.parametrize("language", ["it", "en"])
def test_every_answer_in_colour_words_and_an_icon(visit, live_server, door_day, language, width):
    words = WORDS[language]
    desk = visit(language, width=width)
    page = desk.page
    sign_in_at_the_desk(page, live_server)
    shot(page, "0-ready", language, width)

    def answer(code, kind, headline, name):
        scan(page, code)
        assert page.locator("#answer").get_attribute("class") == f"answer answer-{kind}"
        assert page.locator("#answer-headline").inner_text() == headline
        assert page.locator("#answer-icon svg").count() == 1  # never colour alone
        assert page.evaluate("() => document.activeElement.id") == "scan-code"  # next scan
        shot(page, name, language, width)
        return page.locator("#answer-message").inner_text()

    said = answer(door_day["class"], "ok", words["ok"], "1-ok-class")
    assert "3B" in said and page.locator(".count-chip").count() > 0
    assert "IC Via Rossi" not in page.locator("#answer-meta").inner_text()  # said once
    assert "support_teachers" not in page.locator(".headcount").inner_text()
    said = answer(door_day["seats"], "ok", words["ok"], "2-ok-seats")
    assert said == ("2 posti" if language == "it" else "2 places")
    said = answer(door_day["child"], "ok", words["ok"], "3-ok-child-allergies")
    assert said.startswith("Giulia B.") and ("allergie: sì" if language == "it" else "yes") in said
    said = answer(door_day["seats"], "already-used", words["already_used"], "4-already-used")
    assert said.startswith("Usato alle" if language == "it" else "Used at")
    said = answer(door_day["wrong_day"], "wrong-day", words["wrong_day"], "5-wrong-day")
    assert said.startswith("Valido" if language == "it" else "Valid on")
    answer(door_day["cancelled"], "cancelled", words["cancelled"], "6-cancelled")
    answer("NoSuchTicketCode12345", "unknown", words["unknown"], "7-unknown")
    answer(door_day["brother"], "ok", words["ok"], "8-family-step")
    family = page.locator(".companions button")
    assert "(1)" in family.inner_text()
    answer(door_day["child"], "choose-collector", words["choose"], "9-check-out-collector")
    collectors = page.locator(".collectors button").all_inner_texts()
    assert any("nonna" in c for c in collectors)
    page.locator(".collectors button").first.click()
    page.wait_for_function(
        "() => document.getElementById('answer').className === 'answer answer-ok'"
    )
    collected = "ritira Laura Bianchi" if language == "it" else "collected by Laura Bianchi"
    assert collected in page.locator("#answer-message").inner_text()
    shot(page, "10-checked-out", language, width)
    assert desk.foreign_requests == []
