"""Enrolling through the campus service, on both databases: the age and class rules at the
week's boundaries, brothers and sisters together or apart, several weeks at once, the family
offer with partial acceptance and its expiry, withdrawing a child."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from centrale_booking.booking.engine import cancel_booking, expire_holds, request_booking
from centrale_booking.booking.errors import CancellationClosed, OfferClosed
from centrale_booking.booking.models import Booking, Ticket
from centrale_booking.booking.states import BookingStatus
from centrale_booking.campus.models import Audience, CampusPlace
from centrale_booking.campus.rules import ChildAlreadyEnrolled, ChildDoesNotFit, tax_code_problem
from centrale_booking.campus.service import (
    accept_week,
    enrol,
    family_bookings,
    withdraw_child,
)
from centrale_booking.extensions import db, transaction
from centrale_booking.outbox.models import OutboxMessage
from tests.campus.helpers import (
    CHILD_CF,
    FIRST_MONDAY,
    NOW,
    OMOCODE_CF,
    PARENT_CF,
    a_child,
    an_enrolment,
    make_edition,
    wrong_check,
)
from tests.factories import a_contact

S = BookingStatus


def _enrol(campus, enrolment, now=NOW):
    with transaction():
        family = enrol(campus, enrolment, now=now)
    return family, family_bookings(family)


def _statuses(bookings):
    return [(b.status, b.quantity) for b in bookings]


# --- Who a week is for ----------------------------------------------------------------


def test_a_child_turning_six_on_the_weeks_first_day_fits(app):
    campus = make_edition(min_age=6, max_age=11)
    born = FIRST_MONDAY.replace(year=FIRST_MONDAY.year - 6)
    _, [booking] = _enrol(campus, an_enrolment(campus.slots, [a_child(born=born)]))
    assert booking.status is S.confirmed


def test_a_child_turning_six_the_next_day_is_refused_naming_the_week(app):
    campus = make_edition(min_age=6, max_age=11)
    born = FIRST_MONDAY.replace(year=FIRST_MONDAY.year - 6) + timedelta(days=1)
    with pytest.raises(ChildDoesNotFit) as refused:
        _enrol(campus, an_enrolment(campus.slots, [a_child(born=born)]))
    with force_locale("en"):
        message = str(refused.value.message)
    assert message.startswith("Giulia is 5 on Monday") and "28" in message
    assert "the first day of the week" in message and "aged 6 to 11" in message
    assert db.session.scalar(select(db.func.count(Booking.id))) == 0  # nothing kept


def test_a_child_twelve_on_the_first_day_is_over_the_range(app):
    campus = make_edition(min_age=6, max_age=11)
    born = FIRST_MONDAY.replace(year=FIRST_MONDAY.year - 12)
    with pytest.raises(ChildDoesNotFit):
        _enrol(campus, an_enrolment(campus.slots, [a_child(born=born)]))
    _, [booking] = _enrol(
        campus, an_enrolment(campus.slots, [a_child(born=born + timedelta(days=1))])
    )
    assert booking.status is S.confirmed  # 11 until the day after the first day


def test_an_edition_by_school_class_takes_its_classes_only(app):
    campus = make_edition(audience=Audience.classes, min_class="P1", max_class="P5")
    _, [booking] = _enrol(campus, an_enrolment(campus.slots, [a_child(school_class="P5")]))
    assert booking.status is S.confirmed
    with pytest.raises(ChildDoesNotFit) as refused:
        _enrol(campus, an_enrolment(campus.slots, [a_child(school_class="S1")]))
    with force_locale("en"):
        assert str(refused.value.message).startswith("Giulia is in the 1st year of lower")


def test_codice_fiscale_valid_omocode_and_wrong_check_character(app):
    with force_locale("en"):
        _check_codes()


def _check_codes():
    assert tax_code_problem(PARENT_CF) is None
    assert tax_code_problem(OMOCODE_CF) is None
    assert tax_code_problem(CHILD_CF) is None
    assert "check character" in tax_code_problem(wrong_check(PARENT_CF))
    assert tax_code_problem("RSSMRA80A01") is not None


# --- Brothers and sisters -------------------------------------------------------------


def _fill(slot, places):
    with transaction():
        request_booking(slot, places, a_contact(), now=NOW)


def test_siblings_together_wait_together_when_only_some_fit(app):
    campus = make_edition(capacity=3)
    _fill(campus.slots[0], 2)
    kids = [a_child("Giulia"), a_child("Marco", born=date(2017, 3, 3))]
    _, bookings = _enrol(campus, an_enrolment(campus.slots, kids, together=True))
    assert _statuses(bookings) == [(S.waitlisted, 2)]
    assert campus.slots[0].places_left == 1  # nothing taken by half the family


def test_siblings_apart_enrol_those_who_fit_and_wait_for_the_others(app):
    campus = make_edition(capacity=3)
    _fill(campus.slots[0], 2)
    kids = [a_child("Giulia"), a_child("Marco", born=date(2017, 3, 3))]
    family, bookings = _enrol(campus, an_enrolment(campus.slots, kids, together=False))
    assert sorted(_statuses(bookings)) == sorted([(S.confirmed, 1), (S.waitlisted, 1)])
    confirmed = next(b for b in bookings if b.status is S.confirmed)
    [place] = db.session.scalars(select(CampusPlace).where(CampusPlace.booking_id == confirmed.id))
    assert place.child.first_name == "Giulia" and place.ticket is not None


def test_several_weeks_in_one_go_each_held_or_waitlisted(app):
    campus = make_edition(weeks=3, capacity=2)
    _fill(campus.slots[1], 1)
    kids = [a_child("Giulia"), a_child("Marco", born=date(2017, 3, 3))]
    _, bookings = _enrol(campus, an_enrolment(campus.slots, kids))
    assert _statuses(bookings) == [(S.confirmed, 2), (S.waitlisted, 2), (S.confirmed, 2)]
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.booking_id.in_([b.id for b in bookings]))
    ).all()
    assert sorted(t.holder_label for t in tickets) == [
        "Giulia R.",
        "Giulia R.",
        "Marco R.",
        "Marco R.",
    ]


# --- One place per child per week -------------------------------------------------------


def test_a_child_enrolled_again_for_the_same_week_is_refused_and_the_link_sent_again(app):
    campus = make_edition(capacity=10)
    _, [first] = _enrol(campus, an_enrolment(campus.slots, [a_child("Giulia")]))
    # The other parent, from another address, with a sibling: nothing of it is kept.
    again = an_enrolment(
        campus.slots,
        [a_child("Marco", born=date(2017, 3, 3)), a_child("giulia")],
        parent_email="luisa.rossi@example.org",
    )
    with pytest.raises(ChildAlreadyEnrolled) as refused, transaction():
        enrol(campus, again, now=NOW)
    with force_locale("en"):
        assert str(refused.value.message).startswith("giulia Rossi is already enrolled")
    bookings = db.session.scalars(select(Booking).where(Booking.slot_id == campus.slots[0].id))
    assert [b.id for b in bookings] == [first.id]
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "link_again"))
    assert [m.to_address for m in sent] == ["mario.rossi@example.org"]


def test_a_child_withdrawn_from_a_week_may_be_enrolled_into_it_again(app):
    campus = make_edition(capacity=10)
    family, _ = _enrol(campus, an_enrolment(campus.slots, [a_child(), a_child("Marco")]))
    marco = next(p for p in family.places if p.child.first_name == "Marco")
    with transaction():
        withdraw_child(marco, now=NOW)
    _, [booking] = _enrol(campus, an_enrolment(campus.slots, [a_child("Marco")]))
    assert booking.status is S.confirmed


# --- The family offer ------------------------------------------------------------------


def _waiting_family(capacity=2):
    campus = make_edition(capacity=capacity)
    slot = campus.slots[0]
    with transaction():
        first = request_booking(slot, capacity, a_contact(), now=NOW)
    kids = [a_child("Giulia"), a_child("Marco", born=date(2017, 3, 3))]
    family, [waiting] = _enrol(campus, an_enrolment(campus.slots, kids))
    assert waiting.status is S.waitlisted
    return campus, slot, first, family, waiting


def test_the_week_is_offered_to_the_waiting_family_as_a_whole(app):
    campus, slot, first, family, waiting = _waiting_family()
    with transaction():
        cancel_booking(first, now=NOW)
    db.session.refresh(waiting)
    assert waiting.status is S.offered and waiting.quantity == 2
    assert waiting.offer_expires_at == NOW + timedelta(hours=48)


def test_a_family_may_accept_the_offer_for_some_of_its_children(app):
    campus, slot, first, family, waiting = _waiting_family()
    with transaction():
        cancel_booking(first, now=NOW)
    giulia = family.children[0]
    with transaction():
        accept_week(waiting, [giulia.id], now=NOW + timedelta(hours=1))
    db.session.refresh(waiting)
    assert waiting.status is S.confirmed and waiting.quantity == 1
    assert [t.holder_label for t in waiting.tickets] == ["Giulia R."]
    db.session.refresh(slot)
    assert slot.taken == 1


def test_an_offer_not_taken_in_48_hours_lapses_and_passes_on(app):
    campus, slot, first, family, waiting = _waiting_family()
    with transaction():
        behind = request_booking(slot, 1, a_contact(), now=NOW)
    with transaction():
        cancel_booking(first, now=NOW)
    with transaction():
        expire_holds(now=NOW + timedelta(hours=48))
    db.session.refresh(waiting)
    db.session.refresh(behind)
    assert waiting.status is S.expired and behind.status is S.offered
    with pytest.raises(OfferClosed), transaction():
        accept_week(waiting, [c.id for c in family.children], now=NOW + timedelta(hours=49))


# --- From the manage link ---------------------------------------------------------------


def test_withdrawing_one_child_frees_their_place_and_ticket(app):
    campus = make_edition(capacity=5)
    kids = [a_child("Giulia"), a_child("Marco", born=date(2017, 3, 3))]
    family, [booking] = _enrol(campus, an_enrolment(campus.slots, kids))
    marco = next(p for p in family.places if p.child.first_name == "Marco")
    with transaction():
        withdraw_child(marco, now=NOW)
    db.session.refresh(booking)
    assert booking.status is S.confirmed and booking.quantity == 1
    assert [t.holder_label for t in booking.tickets] == ["Giulia R."]
    assert campus.slots[0].places_left == 4


def test_withdrawing_after_the_deadline_is_refused(app):
    campus = make_edition(capacity=5)
    family, [booking] = _enrol(campus, an_enrolment(campus.slots))
    late = booking.slot.cancellation_deadline
    with pytest.raises(CancellationClosed), transaction():
        withdraw_child(family.places[0], now=late)


def test_an_offer_accepted_from_the_weeks_manage_page_still_knows_each_childs_ticket(app):
    from centrale_booking.booking.engine import accept_offer

    campus, slot, first, family, waiting = _waiting_family()
    with transaction():
        cancel_booking(first, now=NOW)
    with transaction():
        accept_offer(waiting, now=NOW + timedelta(hours=1))  # as manage/views.py does
    db.session.refresh(waiting)
    labels = [campus.door_label(t, "en").split(",")[0] for t in waiting.tickets]
    assert labels == ["Giulia R.", "Marco R."]
