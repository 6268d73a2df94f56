"""When something changes, people are told: a date, time or room moved by the staff (an
email each, the new PDF and a calendar file with the same UID and a higher SEQUENCE, after a
step that counts them), a message the staff write to the people of an event, the reason an
event is cancelled, and the "good news" email of a request confirmed from the waiting list."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from centrale_booking.auth.models import AuditLog, Role
from centrale_booking.booking.engine import request_booking
from centrale_booking.booking.models import Booking
from centrale_booking.booking.states import BookingStatus
from centrale_booking.documents.calendar import booking_ics
from centrale_booking.documents.emails import build_email
from centrale_booking.documents.models import KeptDocument
from centrale_booking.documents.pdf import confirmation_pdf
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.outbox.models import OutboxMessage
from tests.events.test_staff import form_for as full_form
from tests.factories import a_contact, make_event, make_slot
from tests.helpers import EN, Page, pdf_text, sign_in

S = BookingStatus
ROME = ZoneInfo("Europe/Rome")


def an_event(capacity=10, **fields):
    event = make_event(room="Sala delle pompe", **fields)
    day = (utcnow() + timedelta(days=14)).date()
    make_slot(capacity, event, datetime.combine(day, time(18, 30), tzinfo=ROME))
    return event


def book(event, seats=1, language="it", name=None) -> Booking:
    with transaction():
        return request_booking(
            event.slot, seats, a_contact(name=name, language=language), now=utcnow()
        )


def queued(kind, booking=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    if booking is not None:
        query = query.where(OutboxMessage.booking_id == booking.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def email_of(message: OutboxMessage):
    """The email as the worker sends it, parsed back as a mail reader does."""
    db.session.expire_all()  # as the worker does: the booking as it is now
    return message_from_bytes(bytes(build_email(message)), policy=policy.default)


def subject_of(email) -> str:
    return str(email["Subject"]).strip()


def text_of(email) -> str:
    return email.get_body(("plain",)).get_content()


def attachment(email, content_type):
    found = [p for p in email.iter_attachments() if p.get_content_type() == content_type]
    return found[0].get_content() if found else None


def form_for(event, **changes) -> dict:
    """The edit form as it comes (seats per booking within the capacity), with changes."""
    limit = str(min(4, event.slot.capacity))
    return full_form(event, **{"max_per_booking": limit, **changes})


def move_by_a_day(client, event, **extra):
    starts = event.slot.starts_at.astimezone(ROME) + timedelta(days=2)
    form = form_for(event, starts_on=starts.date().isoformat(), start_time="19:00", **extra)
    return client.post(f"/staff/eventi/{event.id}/modifica", data=form, headers=EN)


# --- a new date or time ----------------------------------------------------------------------


def test_moving_an_event_asks_first_counting_the_people_then_tells_each(client):
    sign_in(client, Role.education)
    event = an_event(capacity=2)
    confirmed = book(event, 2, language="it")
    waiting = book(event, 1, language="en")
    was = event.slot.starts_at

    step = move_by_a_day(client, event)
    assert step.status_code == 200
    page = Page(step.get_data(as_text=True))
    assert "2 bookings (booked or waiting) will get an email" in page.by_id["tell-first"]["text"]
    db.session.expire_all()
    assert event.slot.starts_at == was and not queued("slot_changed")  # nothing saved yet

    done = move_by_a_day(client, event, tell="2")
    assert done.status_code == 303
    db.session.expire_all()
    assert event.slot.starts_at != was
    told = queued("slot_changed")
    assert sorted(m.booking_id for m in told) == sorted([confirmed.id, waiting.id])
    assert {m.language for m in told} == {"it", "en"}
    flashed = client.get(done.headers["Location"], headers=EN).get_data(as_text=True)
    assert "2 bookings are told of the change by email" in flashed
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "event.updated"))
    assert sorted(entry.details["changes"]["told"]) == sorted(
        [confirmed.reference, waiting.reference]
    )


def test_a_count_that_changed_since_the_step_asks_again(client):
    sign_in(client, Role.education)
    event = an_event()
    book(event)
    move_by_a_day(client, event)
    book(event)  # someone booked meanwhile: 2 now, the button said 1
    again = move_by_a_day(client, event, tell="1")
    assert again.status_code == 200
    assert "2 bookings (booked or waiting)" in again.get_data(as_text=True)
    assert not queued("slot_changed")


def test_a_change_that_does_not_move_the_date_tells_nobody_and_asks_nothing(client):
    sign_in(client, Role.education)
    event = an_event()
    book(event)
    response = client.post(
        f"/staff/eventi/{event.id}/modifica", data=form_for(event, title_en="New title")
    )
    assert response.status_code == 303
    assert not queued("slot_changed")


def test_the_email_of_a_moved_date_has_the_new_time_the_old_one_a_new_pdf_and_ics(client):
    sign_in(client, Role.education)
    event = an_event()
    booking = book(event, 2, language="en")
    old_ics = Calendar.from_ical(booking_ics(booking))
    old_pdf = confirmation_pdf(booking)  # kept, for the booking's version of then
    move_by_a_day(client, event, tell="1")
    db.session.expire_all()

    (message,) = queued("slot_changed")
    email = email_of(message)
    text = text_of(email)
    new_day = event.slot.starts_at.astimezone(ROME)
    assert subject_of(email).startswith("New date or time: ")
    assert f"{new_day:%A} {new_day.day} {new_day:%B %Y}, 19:00" in text
    assert "Before, it was: " in text and "18:30" in text
    pdf = attachment(email, "application/pdf")
    assert pdf != old_pdf and "19:00" in pdf_text(pdf)
    ics = Calendar.from_ical(attachment(email, "text/calendar"))
    (old_event,), (new_event,) = old_ics.walk("VEVENT"), ics.walk("VEVENT")
    assert new_event["uid"] == old_event["uid"]
    assert int(new_event["sequence"]) > int(old_event["sequence"])
    assert new_event.decoded("dtstart").astimezone(UTC) == event.slot.starts_at
    kept = db.session.scalars(select(KeptDocument.version)).all()
    assert kept == [booking.version]  # the old PDF gave way to the new one


def test_a_waiting_request_is_told_without_documents(client):
    sign_in(client, Role.education)
    event = an_event(capacity=1)
    book(event)
    waiting = book(event, language="it")
    move_by_a_day(client, event, tell="2")
    (message,) = queued("slot_changed", waiting)
    email = email_of(message)
    assert list(email.iter_attachments()) == []
    assert "resta in lista d'attesa" in text_of(email)


def test_a_new_room_is_told_too(client):
    sign_in(client, Role.education)
    event = an_event()
    booking = book(event, language="en")
    form = form_for(event, room="Sala delle vasche", tell="1")
    assert client.post(f"/staff/eventi/{event.id}/modifica", data=form).status_code == 303
    (message,) = queued("slot_changed", booking)
    email = email_of(message)
    assert subject_of(email).startswith("New place: ")
    assert "Sala delle vasche" in text_of(email)


def test_a_cancelled_booking_is_not_told(client):
    from centrale_booking.booking.engine import cancel_booking

    sign_in(client, Role.education)
    event = an_event()
    gone = book(event)
    with transaction():
        cancel_booking(gone, now=utcnow())
    response = move_by_a_day(client, event)
    assert response.status_code == 303  # nobody to tell: no step
    assert not queued("slot_changed")


# --- the staff write to the people of an event -----------------------------------------------

MESSAGE = {
    "subject_it": "Cambio di sala",
    "body_it": "L'incontro si terrà nella Sala delle vasche.\n\nVi aspettiamo!",
    "subject_en": "Change of room",
    "body_en": "The talk will be in the Tank room.\n\nSee you there!",
}


def test_writing_previews_then_sends_one_email_per_live_booking_in_its_language(client):
    staff = sign_in(client, Role.education)
    event = an_event(capacity=1)
    italian = book(event, language="it")
    english = book(event, language="en")  # waiting
    from centrale_booking.booking.engine import cancel_booking

    gone = book(event)
    with transaction():
        cancel_booking(gone, now=utcnow())

    preview = client.post(f"/staff/eventi/{event.id}/scrivi", data=MESSAGE, headers=EN)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Send 2 emails" in html and "Change of room" in html and "Cambio di sala" in html
    assert not queued("staff_message")

    sent = client.post(
        f"/staff/eventi/{event.id}/scrivi", data={**MESSAGE, "action": "send", "count": "2"}
    )
    assert sent.status_code == 303
    messages = queued("staff_message")
    assert sorted(m.booking_id for m in messages) == sorted([italian.id, english.id])
    by_booking = {m.booking_id: email_of(m) for m in messages}
    assert subject_of(by_booking[italian.id]).startswith("Cambio di sala: ")
    assert "Sala delle vasche" in text_of(by_booking[italian.id])
    assert subject_of(by_booking[english.id]).startswith("Change of room: ")
    assert "Tank room" in text_of(by_booking[english.id])
    assert english.reference in subject_of(by_booking[english.id])
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "event.messaged"))
    assert entry.staff_user_id == staff.id and entry.details["bookings"] == 2
    page = client.get(f"/staff/eventi/{event.id}", headers=EN).get_data(as_text=True)
    assert "Messages sent" in page and "Cambio di sala" in page and "2 bookings" in page


def test_a_message_without_its_english_text_is_refused_next_to_the_field(client):
    sign_in(client, Role.education)
    event = an_event()
    book(event)
    response = client.post(
        f"/staff/eventi/{event.id}/scrivi", data={**MESSAGE, "body_en": " "}, headers=EN
    )
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert "Please write the message in English." in page.by_id["body_en-error"]["text"]
    assert not queued("staff_message")


def test_a_send_with_an_old_count_shows_the_preview_again(client):
    sign_in(client, Role.education)
    event = an_event()
    book(event)
    book(event)
    response = client.post(
        f"/staff/eventi/{event.id}/scrivi",
        data={**MESSAGE, "action": "send", "count": "1"},
        headers=EN,
    )
    assert response.status_code == 200
    assert "Send 2 emails" in response.get_data(as_text=True)
    assert not queued("staff_message")


# --- cancelling, with a reason ---------------------------------------------------------------


def test_cancelling_needs_a_reason_which_each_email_carries(client):
    sign_in(client, Role.education)
    event = an_event()
    italian = book(event, language="it")
    english = book(event, language="en")
    refused = client.post(f"/staff/eventi/{event.id}/annulla", data={"reason_it": ""}, headers=EN)
    assert refused.status_code == 422
    assert "Please say why" in Page(refused.get_data(as_text=True)).by_id["reason_it-error"]["text"]
    db.session.expire_all()
    assert event.slot.cancelled_at is None

    done = client.post(
        f"/staff/eventi/{event.id}/annulla",
        data={"reason_it": "Il relatore è malato.", "reason_en": "The speaker is ill."},
    )
    assert done.status_code == 303
    assert "Il relatore è malato." in text_of(email_of(queued("slot_cancelled", italian)[0]))
    assert "The speaker is ill." in text_of(email_of(queued("slot_cancelled", english)[0]))


def test_without_an_english_reason_english_readers_get_the_italian_one(client):
    sign_in(client, Role.education)
    event = an_event()
    english = book(event, language="en")
    client.post(f"/staff/eventi/{event.id}/annulla", data={"reason_it": "Sciopero dei mezzi."})
    assert "Sciopero dei mezzi." in text_of(email_of(queued("slot_cancelled", english)[0]))


# --- a raised capacity confirms the waiting list ---------------------------------------------


def test_raising_the_capacity_names_who_was_confirmed_and_sends_the_good_news(client):
    sign_in(client, Role.education)
    event = an_event(capacity=1)
    book(event)
    waiting = book(event, 1, language="en", name="Ada Lovelace")
    response = client.post(
        f"/staff/eventi/{event.id}/modifica", data=form_for(event, capacity="2"), headers=EN
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert f"Moved up from the waiting list: Ada Lovelace ({waiting.reference})" in page
    db.session.expire_all()
    assert waiting.status is S.confirmed
    (message,) = queued("promoted", waiting)
    assert not queued("confirmation", waiting)
    email = email_of(message)
    assert subject_of(email).startswith("Good news, a place freed up: ")
    assert "your request on the waiting list is now a confirmed booking" in text_of(email)
    assert attachment(email, "application/pdf") is not None
