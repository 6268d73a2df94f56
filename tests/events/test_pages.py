"""#InCentrale for visitors: the list, an event's page, registration, waiting list, reminders."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from centrale_booking.auth.models import Role
from centrale_booking.booking.changes import cancel_slot
from centrale_booking.booking.engine import cancel_booking
from centrale_booking.booking.models import Booking, WaitlistMode
from centrale_booking.booking.reminders import queue_reminders
from centrale_booking.booking.states import BookingStatus
from centrale_booking.events.models import Category, EventFormat
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.links import manage_path
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import a_contact, make_event, make_slot
from tests.helpers import count

S = BookingStatus


def an_event(capacity=20, starts_in=timedelta(days=10), **fields):
    event = make_event(**fields)
    make_slot(capacity=capacity, programme=event, starts_at=utcnow() + starts_in)
    db.session.refresh(event)
    return event


_people = itertools.count(1)


def register(client, event, **data):
    form = {
        "name": "Anna Rossi",
        "email": f"anna{next(_people)}@example.org",  # one booking per address and date
        "seats": 2,
        "privacy_consent": "y",
    }
    form.update(data)
    return client.post(
        f"/eventi/{event.id}/prenota", data={k: v for k, v in form.items() if v is not None}
    )


def bookings_of(event):
    return db.session.scalars(
        select(Booking).where(Booking.slot_id == event.slot.id).order_by(Booking.id)
    ).all()


def kinds(booking):
    return list(
        db.session.scalars(
            select(OutboxMessage.kind)
            .where(OutboxMessage.booking_id == booking.id)
            .order_by(OutboxMessage.id)
        )
    )


# The list --------------------------------------------------------------------------------------


def test_the_list_shows_upcoming_published_events_only(client, app):
    shown = an_event(title_it="Concerto d'acqua")
    an_event(title_it="Bozza nascosta", published=False)
    an_event(title_it="Già passato", starts_in=timedelta(days=-3))
    html = client.get("/eventi/").get_data(as_text=True)
    assert "Concerto d&#39;acqua" in html or "Concerto d'acqua" in html
    assert "Bozza nascosta" not in html and "Già passato" not in html
    assert f"/eventi/{shown.id}" in html


def test_filters_by_category_format_month_and_free_seats(client, app):
    talk = an_event(title_it="Incontro sul clima", category=Category.talk)
    concert = an_event(
        title_it="Concerto in sala", category=Category.concert, format=EventFormat.in_person
    )
    full = an_event(title_it="Laboratorio pieno", capacity=1, category=Category.workshop)
    register(client, full, seats=1)
    later = an_event(title_it="Proiezione lontana", starts_in=timedelta(days=70))

    def titles(query):
        return client.get(f"/eventi/?{query}").get_data(as_text=True)

    assert "Incontro sul clima" in titles("categoria=talk")
    assert "Concerto in sala" not in titles("categoria=talk")
    assert "Concerto in sala" in titles("formato=in_person")
    assert "Incontro sul clima" not in titles("formato=in_person")
    assert "Laboratorio pieno" not in titles("posti=1") and "Incontro sul clima" in titles(
        "posti=1"
    )
    month = later.slot.starts_at.astimezone().strftime("%Y-%m")
    assert "Proiezione lontana" in titles(f"mese={month}")
    assert "Incontro sul clima" not in titles(
        f"mese={month}"
    ) or month == talk.slot.starts_at.strftime("%Y-%m")
    assert concert  # listed above


def test_bad_filters_are_ignored_not_errors(client, app):
    an_event(title_it="Sempre visibile")
    for query in ("mese=2026-13", "mese=abc", "categoria=<script>", "formato=x", "vista=zzz"):
        response = client.get(f"/eventi/?{query}")
        assert response.status_code == 200
        assert "Sempre visibile" in response.get_data(as_text=True)


def test_the_month_view_places_events_on_their_day(client, app):
    event = an_event(title_it="Concerto del mese")
    month = event.slot.starts_at.strftime("%Y-%m")
    html = client.get(f"/eventi/?vista=mese&mese={month}").get_data(as_text=True)
    assert "month-grid" in html and "Concerto del mese" in html


# The event page --------------------------------------------------------------------------------


def test_the_event_page_shows_what_a_visitor_needs(client, app):
    event = an_event(
        title_it="Acqua e città",
        title_en="Water and the city",
        room="Sala delle pompe",
        speakers="Prof. Bianchi",
        partners="Politecnico di Milano",
        stream_url="https://stream.example.org/live",
        image="img/test.jpg",
        image_alt_it="La sala delle pompe",
        image_alt_en="The pump hall",
    )
    html = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    for text in ("Acqua e città", "Sala delle pompe", "Prof. Bianchi", "Politecnico di Milano"):
        assert text in html
    assert 'alt="La sala delle pompe"' in html
    assert "https://stream.example.org/live" in html
    assert f"/eventi/{event.id}/evento.ics" in html
    english = client.get(f"/eventi/{event.id}", headers={"Accept-Language": "en"})
    assert "Water and the city" in english.get_data(as_text=True)


def test_few_seats_left_are_announced(client, app):
    event = an_event(capacity=5)
    register(client, event, seats=2)
    html = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    assert "Ultimi 3 posti" in html


def test_after_the_event_the_replay_link_replaces_the_stream(client, app):
    event = an_event(
        starts_in=timedelta(days=-1),
        stream_url="https://stream.example.org/live",
        replay_url="https://stream.example.org/replay",
    )
    html = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    assert "https://stream.example.org/replay" in html
    assert "https://stream.example.org/live" not in html
    assert "già svolto" in html


def test_an_unpublished_or_unknown_event_is_404(client, app):
    hidden = an_event(published=False)
    assert client.get(f"/eventi/{hidden.id}").status_code == 404
    assert client.get("/eventi/999999").status_code == 404
    assert register(client, hidden).status_code == 404


# Registration ----------------------------------------------------------------------------------


def test_registering_confirms_the_seats_and_shows_the_ticket(client, app):
    event = an_event()
    response = register(client, event, seats=3, newsletter_consent="y")
    assert response.status_code == 303
    [booking] = bookings_of(event)
    assert response.headers["Location"].endswith(manage_path(booking))
    assert booking.status is S.confirmed and booking.quantity == 3
    assert booking.privacy_consent_at is not None and booking.newsletter_consent is True
    assert booking.tickets[0].admits == 3
    assert kinds(booking) == ["confirmation", "newsletter_confirm"]  # asked: to be confirmed
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert booking.reference in page and "<svg" in page


def test_the_newsletter_is_never_assumed(client, app):
    event = an_event()
    register(client, event)
    assert bookings_of(event)[0].newsletter_consent is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "A"),
        ("email", ""),
        ("email", "not-an-email"),
        ("email", "jürgen@example.org"),  # our mail cannot reach a letter outside ASCII
        ("email", "anna@città.example"),
        ("seats", "0"),
        ("seats", "5"),
        ("seats", "due"),
        ("privacy_consent", None),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_stored(client, app, field, value):
    event = an_event()
    response = register(client, event, **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert count(Booking) == 0 and count(OutboxMessage) == 0


def test_text_is_trimmed_first_then_measured_and_a_name_carries_no_link(client, app):
    event = an_event()
    assert register(client, event, name=" A ").status_code == 422  # one letter, once trimmed
    linked = register(client, event, name="Premio su www.premio.example")
    assert linked.status_code == 422 and "senza indirizzi web" in linked.get_data(as_text=True)
    assert count(Booking) == 0
    register(client, event, name="  Anna Rossi  ", email="  anna@example.org ")
    [booking] = bookings_of(event)
    assert (booking.contact_name, booking.contact_email) == ("Anna Rossi", "anna@example.org")


def test_the_sequence_full_waiting_list_cancellation_promotion(client, app):
    event = an_event(capacity=2, waitlist_mode=WaitlistMode.confirm)
    register(client, event, seats=2, email="first@example.org")
    page = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    assert "lista d&#39;attesa" in page or "lista d'attesa" in page
    register(client, event, seats=1, email="second@example.org")
    first, second = bookings_of(event)
    assert second.status is S.waitlisted and kinds(second) == ["waitlisted"]
    client.post(manage_path(first) + "/annulla")
    db.session.refresh(second)
    assert second.status is S.confirmed
    assert kinds(first) == ["confirmation", "cancellation"]
    assert kinds(second) == ["waitlisted", "promoted"]
    assert len(second.tickets) == 1


def test_a_full_event_without_a_waiting_list_says_so(client, app):
    event = an_event(capacity=1, waitlist_mode=WaitlistMode.none)
    register(client, event, seats=1)
    page = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    assert "evento è al completo" in page and 'action="/eventi/' not in page
    response = register(client, event, seats=1, email="late@example.org")
    assert response.status_code == 409
    assert "completo" in response.get_data(as_text=True)
    assert count(Booking) == 1


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"closes_in": timedelta(hours=-1)}, "chiuse"),
        ({"opens_in": timedelta(days=1)}, "le prenotazioni aprono"),
        ({"starts_in": timedelta(days=-1)}, "già svolto"),
        ({"cancelled": True}, "annullat"),
    ],
)
def test_closed_past_and_cancelled_events_explain_themselves(client, app, setup, message):
    event = an_event(starts_in=setup.get("starts_in", timedelta(days=5)))
    with transaction():
        slot = db.session.merge(event.slot)
        if "closes_in" in setup:
            slot.closes_at = utcnow() + setup["closes_in"]
        if "opens_in" in setup:
            slot.opens_at = utcnow() + setup["opens_in"]
        if setup.get("cancelled"):
            cancel_slot(slot, now=utcnow())
    page = client.get(f"/eventi/{event.id}")
    assert page.status_code == 200 and message in page.get_data(as_text=True).lower()
    refused = register(client, event)
    assert refused.status_code in (409, 422)
    assert message in refused.get_data(as_text=True).lower()
    assert count(Booking) == 0


def test_a_streaming_only_event_takes_a_remind_me_registration(client, app):
    event = an_event(format=EventFormat.streaming, stream_url="https://stream.example.org/live")
    page = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    assert 'name="seats"' not in page
    response = register(client, event, seats=None)
    assert response.status_code == 303
    [booking] = bookings_of(event)
    assert booking.status is S.confirmed and booking.quantity == 1 and booking.tickets == []


def test_the_registration_form_is_rate_limited(client, app):
    app.config["BOOKING_RATE_LIMIT"] = "3 per minute"
    event = an_event(capacity=100)
    answers = [register(client, event, seats=1).status_code for _ in range(4)]
    assert answers == [303, 303, 303, 429]
    assert count(Booking) == 3


# Reminders -------------------------------------------------------------------------------------


def test_reminders_go_once_to_confirmed_bookings_of_tomorrow(app, runner):
    tomorrow = an_event(capacity=5, starts_in=timedelta(hours=20))
    next_week = an_event(capacity=5, starts_in=timedelta(days=7))
    with transaction():
        from centrale_booking.booking.engine import request_booking

        kept = request_booking(tomorrow.slot, 1, a_contact(), now=utcnow())
        dropped = request_booking(tomorrow.slot, 1, a_contact(), now=utcnow())
        request_booking(next_week.slot, 1, a_contact(), now=utcnow())
    with transaction():
        cancel_booking(dropped, now=utcnow())
    version = kept.version
    assert "1 reminders queued" in runner.invoke(args=["send-reminders"]).output
    assert "0 reminders queued" in runner.invoke(args=["send-reminders"]).output
    assert kinds(kept) == ["confirmation", "reminder"]
    assert kinds(dropped) == ["confirmation", "cancellation"]
    db.session.refresh(kept)
    assert kept.reminded_at is not None and kept.version == version  # its PDF stays valid


def test_the_reminder_cant_come_link_frees_the_seats_for_the_waiting_list(client, app):
    event = an_event(capacity=2, starts_in=timedelta(hours=20))
    register(client, event, seats=2, email="busy@example.org")
    register(client, event, seats=2, email="waiting@example.org")
    busy, waiting = bookings_of(event)
    with transaction():
        queue_reminders(now=utcnow())
    confirm_step = client.get(manage_path(busy) + "/annulla")
    assert (
        confirm_step.status_code == 200 and db.session.get(Booking, busy.id).status is S.confirmed
    )
    client.post(manage_path(busy) + "/annulla")
    db.session.refresh(waiting)
    assert waiting.status is S.confirmed


def test_times_are_shown_in_milan_time(client, app):
    event = make_event(title_it="Orario d'inverno")
    make_slot(programme=event, starts_at=datetime(2027, 1, 14, 17, 30, tzinfo=UTC))
    html = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    assert "18:30" in html  # 17:30 UTC is 18:30 in Milan in winter


def test_the_home_page_shows_the_next_events_and_the_ways_in(client, app):
    soon = an_event(title_it="Il prossimo concerto", starts_in=timedelta(days=2))
    cancelled = an_event(title_it="Data annullata", starts_in=timedelta(days=1))
    with transaction():
        cancel_slot(db.session.merge(cancelled.slot), now=utcnow())
    html = client.get("/").get_data(as_text=True)
    assert "Il prossimo concerto" in html and f"/eventi/{soon.id}" in html
    assert "Data annullata" not in html
    assert 'href="/eventi/"' in html and 'href="/scuole/"' in html and "#campus" in html


def test_the_privacy_notice_is_linked_from_the_form(client, app):
    event = an_event()
    page = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    assert 'href="/privacy"' in page
    notice = client.get("/privacy")
    assert notice.status_code == 200 and "MM S.p.A." in notice.get_data(as_text=True)


def reminder_email(booking):
    from centrale_booking.documents.emails import build_email

    message = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.booking_id == booking.id, OutboxMessage.kind == "reminder"
        )
    )
    email = build_email(message)
    return email.get_body(("plain",)).get_content(), email.get_body(("html",)).get_content()


def test_the_reminder_carries_the_one_click_cant_come_link(client, app):
    event = an_event(capacity=5, starts_in=timedelta(hours=20))
    register(client, event, seats=2)
    [booking] = bookings_of(event)
    with transaction():
        queue_reminders(now=utcnow())
    text, html = reminder_email(booking)
    link = f"http://booking.test{manage_path(booking)}/annulla"
    assert "Non posso venire" in text and link in text and f'href="{link}"' in html
    assert client.get(manage_path(booking) + "/annulla").status_code == 200


def test_a_streaming_reminder_carries_the_stream_link(client, app):
    event = an_event(
        format=EventFormat.streaming,
        stream_url="https://stream.example.org/live",
        starts_in=timedelta(hours=20),
    )
    register(client, event, seats=None)
    [booking] = bookings_of(event)
    with transaction():
        queue_reminders(now=utcnow())
    text, html = reminder_email(booking)
    assert "https://stream.example.org/live" in text and "diretta" in text
    assert "/annulla" not in text


def test_registering_twice_with_one_address_is_refused_and_the_link_emailed_again(client, app):
    event = an_event(capacity=50)
    first = register(client, event, email="anna.rossi@example.org", seats=4)
    assert first.status_code == 303
    [booking] = bookings_of(event)
    again = register(client, event, email="Anna.Rossi@Example.org", seats=4)
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "Hai già una prenotazione per questa data" in page
    assert booking.manage_token not in page  # the link goes to the address, never to the page
    assert bookings_of(event) == [booking] and event.slot.taken == 4
    assert kinds(booking) == ["confirmation", "link_again"]


def test_the_newsletter_counts_once_confirmed_from_the_address(client, app):
    from centrale_booking.documents.emails import build_email
    from tests.helpers import sign_in

    event = an_event()
    register(client, event, newsletter_consent="y")
    [booking] = bookings_of(event)
    assert booking.newsletter_consent is True and booking.newsletter == "pending"
    assert kinds(booking) == ["confirmation", "newsletter_confirm"]
    [asking] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "newsletter_confirm")
    ).all()
    text = build_email(asking).get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/newsletter/" in word)
    path = link.removeprefix("http://booking.test")
    manage_page = client.get(manage_path(booking)).get_data(as_text=True)
    assert path not in manage_page  # only the email carries it: the address is proven

    with app.app_context():  # another person's requests: nothing shared with the visitor's
        staff = app.test_client()
        sign_in(staff, Role.education)
        en = {"Accept-Language": "en"}
        listed = staff.get(f"/staff/eventi/{event.id}", headers=en)
        assert "asked, not confirmed yet" in listed.get_data(as_text=True)
        export = staff.get(f"/staff/eventi/{event.id}/iscritti.csv", headers=en)
        assert "asked, not confirmed yet" in export.data.decode("utf-8-sig")

    page = client.get(path)
    assert page.status_code == 200 and "Sì, inviatemi la newsletter" in page.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.newsletter == "pending"  # opening the link (a mail scanner) confirms nothing
    done = client.post(path)
    assert done.status_code == 200 and "newsletter è confermata" in done.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.newsletter == "yes" and booking.newsletter_confirmed_at is not None


@pytest.mark.parametrize("token", ["nonsense", "WzEsImFAYi5jIl0.forged"])
def test_a_bad_newsletter_link_is_404(client, token):
    assert client.get(f"/newsletter/{token}").status_code == 404
    assert client.post(f"/newsletter/{token}").status_code == 404
