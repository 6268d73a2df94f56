"""Every outward URL (links.py) leads to a route of the app and opens the page it promises."""

from __future__ import annotations

from urllib.parse import urlsplit

from centrale_booking import links
from centrale_booking.booking.engine import request_booking
from centrale_booking.extensions import transaction, utcnow
from tests.factories import a_contact, make_event, make_slot


def route_of(app, url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == app.config["BASE_URL"]
    endpoint, _values = app.url_map.bind("booking.test").match(parts.path)
    return endpoint


def test_every_outward_link_matches_its_route_and_answers(client, app):
    event = make_event()
    slot = make_slot(capacity=5, programme=event)
    with transaction():
        booking = request_booking(slot, 2, a_contact(), now=utcnow())
    [ticket] = booking.tickets
    expected = {
        links.manage_url(booking): "manage.manage",
        links.cancel_url(booking): "manage.cancel",
        links.pdf_url(booking): "manage.confirmation_pdf",
        links.ics_url(booking): "manage.calendar_file",
        links.ticket_url(ticket): "manage.ticket",
        links.programme_url(event): "events.show",
        links.site_url(): "public.home",
    }
    for url, endpoint in expected.items():
        assert route_of(app, url) == endpoint, url
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, (url, response.status_code)
    assert links.manage_path(booking) == urlsplit(links.manage_url(booking)).path


def test_links_keep_a_base_url_with_a_path(app):
    event = make_event()
    app.config["BASE_URL"] = "https://museo.example.org/prenota/"
    assert links.programme_url(event) == f"https://museo.example.org/prenota/eventi/{event.id}"
