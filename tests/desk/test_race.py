"""The same ticket at two desks at the same moment: one lets in, the other says ALREADY USED
(the engine locks the ticket's row; on SQLite the writers take turns), on both databases."""

from __future__ import annotations

from sqlalchemy import select

from centrale_booking.booking.models import CheckIn, Ticket
from centrale_booking.desk import service
from centrale_booking.extensions import db, transaction, utcnow
from tests.booking.test_race import race, race_app, unexpected  # noqa: F401 (a fixture)
from tests.desk.programmes import book, today_slot


def test_one_ticket_at_several_desks_at_once_lets_in_once(app, race_app):  # noqa: F811
    [ticket] = book(today_slot()).tickets
    code = ticket.code

    def prepare(desk_number):
        return desk_number, db.session.scalar(select(Ticket).where(Ticket.code == code))

    def scan_at(prepared):
        desk_number, _ticket = prepared
        with transaction():
            answer = service.scan(
                code,
                direction=None,
                staff=None,
                scan_id=f"scan-{desk_number}",
                device=f"Desk {desk_number}",
                now=utcnow(),
            )
        return answer.result

    outcomes = race(race_app, range(4), prepare, scan_at)

    assert unexpected(outcomes) == []
    assert sorted(outcomes.results) == ["already_used", "already_used", "already_used", "ok"]
    results = db.session.scalars(select(CheckIn.result)).all()
    assert sorted(results) == sorted(outcomes.results)
