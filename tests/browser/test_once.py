"""The registration form sent twice in a real browser, on a slow connection: a double click,
and Back then Book again. One booking, one email; the person lands on its page."""

import pytest
from sqlalchemy import select

from centrale_booking.booking.models import Booking
from centrale_booking.extensions import db
from centrale_booking.outbox.models import OutboxMessage
from tests.browser import test_events_flow
from tests.browser.test_accessibility import axe_violations, describe
from tests.browser.test_events_flow import BOOK_BUTTON, fill_registration

event = test_events_flow.event  # the fixture: a published event in the live app


def bookings_and_emails(live_app, event_id):
    with live_app.app_context():
        bookings = db.session.scalars(
            select(Booking).join(Booking.slot).where(Booking.slot.has(programme_id=event_id))
        ).all()
        emails = db.session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.booking_id.in_([b.id for b in bookings]))
        ).all()
        references = [b.reference for b in bookings]
        db.session.remove()
    return references, emails


def test_a_double_click_on_a_slow_connection_books_once(visit, live_app, event):
    v = visit("it", width=390)
    held = []
    # The slow connection: each registration waits in the network until both clicks are made.
    v.page.route("**/prenota", lambda route: held.append(route))
    v.open(f"/eventi/{event}")
    fill_registration(v.page, seats="1")
    button = v.page.locator(BOOK_BUTTON)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    v.page.mouse.click(x, y)  # the mouse does not wait for the page: a person neither
    v.page.wait_for_timeout(400)  # nothing seems to happen: tap again
    v.page.mouse.click(x, y)
    for _ in range(50):
        if len(held) >= 2:
            break
        v.page.wait_for_timeout(100)
    assert len(held) == 2  # the browser did send the form twice
    for route in held:
        route.continue_()
    v.page.wait_for_url("**/prenotazione/**")
    references, emails = bookings_and_emails(live_app, event)
    assert len(references) == 1 and emails == ["confirmation"]
    assert references[0] in v.page.inner_text("h1")


def test_back_and_book_again_lands_on_the_first_booking(visit, live_app, event):
    v = visit("en")
    v.open(f"/eventi/{event}")
    fill_registration(v.page, seats="2")
    v.page.locator(BOOK_BUTTON).click()
    v.page.wait_for_url("**/prenotazione/**")
    first_page = v.page.url
    v.page.go_back()
    v.page.wait_for_url(f"**/eventi/{event}*")
    if v.page.locator("#name").input_value() == "":  # the browser did not keep the form
        fill_registration(v.page, seats="2")
    v.page.locator(BOOK_BUTTON).click()
    v.page.wait_for_url("**/prenotazione/**")
    references, emails = bookings_and_emails(live_app, event)
    assert len(references) == 1 and emails == ["confirmation"]
    assert v.page.url == first_page
    assert "twice" in v.page.inner_text("main")


def submit_wrong_address(v) -> None:
    v.open("/prenotazione/ritrova")
    v.page.locator("#email").fill("not an address")
    with v.page.expect_navigation():
        v.page.locator("form.find-bookings button").click()


FIND_PAGES = {
    "find your booking": lambda v: v.open("/prenotazione/ritrova"),
    "find, wrong address": submit_wrong_address,
    "a cut manage link": lambda v: v.open("/prenotazione/EV-CUT"),
}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("name", list(FIND_PAGES))
def test_the_find_pages_meet_wcag_21_aa(visit, name, language, width):
    v = visit(language, width)
    FIND_PAGES[name](v)
    violations = axe_violations(v)
    assert violations == [], describe(violations)
    assert v.foreign_requests == []
