"""Booking an #InCentrale event in a real browser, and the event pages checked by axe-core."""

import itertools
from datetime import timedelta

import pytest

from centrale_booking.booking.models import Slot
from centrale_booking.events.models import Category, Event, EventFormat
from centrale_booking.extensions import db, transaction, utcnow
from tests.browser.test_accessibility import axe_violations, describe


@pytest.fixture
def event(live_app):
    """A published event in the live app's database (other tests empty it between tests)."""
    with live_app.app_context():
        with transaction():
            starts = utcnow() + timedelta(days=9)
            event = Event(
                slug=f"browser-{starts.timestamp()}",
                title_it="Acqua e città: come Milano beve",
                title_en="Water and the city: how Milan drinks",
                description_it="Un incontro sul servizio idrico.",
                description_en="A talk on the water service.",
                category=Category.talk,
                format=EventFormat.both,
                room="Sala delle pompe",
                partners="Politecnico di Milano",
                published=True,
                max_per_booking=4,
            )
            event.slots = [Slot(starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=30)]
            db.session.add(event)
        event_id = event.id
        db.session.remove()
    return event_id


BOOK_BUTTON = "form[action$='/prenota'] button[type=submit]"


_people = itertools.count(1)


def fill_registration(page, name="Anna Rossi", seats="2"):
    page.locator("#name").fill(name)
    # An address of its own each time: one booking per address and date.
    page.locator("#email").fill(f"anna.rossi+{next(_people)}@example.org")
    page.locator("#seats").fill(seats)
    page.locator("label[for=privacy_consent]").click()  # the box sits under its label


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_visitor_books_an_event_and_opens_the_pdf(visit, event, language):
    v = visit(language)
    v.open("/eventi/")
    with v.page.expect_navigation():
        v.page.locator(f"a[href='/eventi/{event}']").first.click()
    fill_registration(v.page)
    with v.page.expect_navigation():
        v.page.locator(BOOK_BUTTON).click()
    assert "/prenotazione/" in v.page.url
    status = v.page.locator("[role=status]").first.inner_text()
    assert ("Prenotazione fatta" in status) if language == "it" else ("Booked" in status)
    assert v.page.locator(".ticket-card svg").count() == 1
    pdf_link = v.page.locator("a[href$='conferma.pdf']")
    pdf = v.context.request.get(v.base_url + pdf_link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert v.foreign_requests == []


def open_with_errors(v, event):
    v.open(f"/eventi/{event}")
    fill_registration(v.page, name="", seats="9")
    with v.page.expect_navigation():
        v.page.locator(BOOK_BUTTON).click()
    assert v.page.locator(".field-error").count() >= 2


def open_confirmation(v, event):
    v.open(f"/eventi/{event}")
    fill_registration(v.page)
    with v.page.expect_navigation():
        v.page.locator(BOOK_BUTTON).click()


EVENT_PAGES = {
    "events list": lambda v, event: v.open("/eventi/"),
    "month view": lambda v, event: v.open("/eventi/?vista=mese"),
    "event page": lambda v, event: v.open(f"/eventi/{event}"),
    "form with errors": open_with_errors,
    "confirmation": open_confirmation,
}


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("name", list(EVENT_PAGES))
def test_event_pages_meet_wcag_21_aa(visit, event, name, language):
    v = visit(language)
    EVENT_PAGES[name](v, event)
    assert v.page.locator("html").get_attribute("lang") == language
    violations = axe_violations(v)
    assert not violations, f"{name} ({language}):\n{describe(violations)}"
    assert v.foreign_requests == []
