"""Enrolling two brothers and sisters into a campus week in a real browser, in both languages
and at a phone's and a desktop's width. With CENTRALE_SCREENSHOTS=<folder>, each page is also
saved there as a PNG, to be looked at."""

from __future__ import annotations

import os
import secrets
from datetime import time, timedelta
from pathlib import Path

import pytest

from centrale_booking.booking.models import Slot, Unit, WaitlistMode
from centrale_booking.campus.models import Campus, Season
from centrale_booking.clock import museum_time, today
from centrale_booking.extensions import db, transaction
from tests.campus.helpers import PARENT_CF

SHOTS = os.environ.get("CENTRALE_SCREENSHOTS")


@pytest.fixture
def campus(live_app):
    with live_app.app_context():
        monday = today() + timedelta(days=14 + (7 - today().weekday()) % 7)
        with transaction():
            campus = Campus(
                slug=f"browser-campus-{secrets.token_hex(4)}",
                title_it="Campus di Natale 2026",
                title_en="Christmas campus 2026",
                summary_it="Giornate di gioco ed esperimenti con l'acqua.",
                summary_en="Days of play and experiments with water.",
                season=Season.christmas,
                published=True,
                unit=Unit.children,
                max_per_booking=4,
                waitlist_mode=WaitlistMode.offer,
                offer_hours=48,
                cancel_deadline_hours=7 * 24,
                fee_it="90 € a settimana",
                fee_en="€90 a week",
                bring_it="Borraccia, merenda, cappellino.",
                bring_en="Water bottle, snack, cap.",
                leave_alone_min_age=10,
            )
            campus.slots = [
                Slot(
                    starts_at=museum_time(monday, time(8, 30)),
                    ends_at=museum_time(monday + timedelta(days=4), time(16, 30)),
                    capacity=25,
                )
            ]
            db.session.add(campus)
        campus_id = campus.id
        db.session.remove()
    return campus_id


def shot(v, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        v.page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def fill_child(page, n: int, first: str, born: str, allergies: str = "") -> None:
    page.locator(f"#children-{n}-first_name").fill(first)
    page.locator(f"#children-{n}-last_name").fill("Rossi")
    page.locator(f"#children-{n}-birth_date").fill(born)
    if allergies:
        page.locator(f"#children-{n}-allergies").fill(allergies)


@pytest.mark.parametrize(("language", "width"), [("it", 390), ("en", 1280)])
def test_a_parent_enrols_two_siblings_into_a_week(visit, campus, language, width):
    v = visit(language, width=width)
    v.open("/campus/")
    shot(v, f"campus-index-{language}-{width}")
    with v.page.expect_navigation():
        v.page.locator(f"a[href='/campus/{campus}#iscrizione']").click()
    page = v.page
    page.locator("label[for='week_ids-0']").click()
    page.locator("#parent-name").fill("Mario Rossi")
    page.locator("#parent-tax_code").fill(PARENT_CF)
    page.locator("#parent-email").fill("mario.rossi@example.org")
    page.locator("#parent-phone").fill("+39 333 1234567")
    fill_child(page, 0, "Giulia", "2018-10-01", allergies="Arachidi")
    with page.expect_navigation():
        page.locator("button[name=add][value=child]").click()
    fill_child(page, 1, "Marco", "2017-03-03")
    page.locator("#delegates-0-name").fill("Mario Rossi")
    page.locator("#delegates-0-relationship").fill("padre")
    page.locator("#delegates-0-document").fill("CA12345AB")
    page.locator("#emergency_contact-name").fill("Luisa Rossi")
    page.locator("#emergency_contact-phone").fill("02 123456")
    page.locator("label[for='consents-privacy']").click()
    page.locator("label[for='consents-health_data']").click()
    shot(v, f"campus-form-{language}-{width}")
    with page.expect_navigation():
        page.locator("button[type=submit]:not([name])").click()
    assert "/campus/famiglia/" in page.url
    status = page.locator("[role=status]").first.inner_text()
    assert ("Iscrizione fatta" in status) if language == "it" else ("Enrolled" in status)
    body = page.locator("main").inner_text()
    assert "Giulia Rossi" in body and "Marco Rossi" in body
    shot(v, f"campus-family-{language}-{width}")
    with page.expect_navigation():
        page.locator("a[href*='/prenotazione/']").first.click()
    assert page.locator(".ticket-card svg").count() == 2
    shot(v, f"campus-tickets-{language}-{width}")
    assert v.foreign_requests == []


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_form_with_errors_names_the_child(visit, campus, language):
    v = visit(language, width=390)
    v.open(f"/campus/{campus}")
    page = v.page
    page.locator("label[for='week_ids-0']").click()
    fill_child(page, 0, "Pietro", "2023-01-01")
    with page.expect_navigation():
        page.locator("button[type=submit]:not([name])").click()
    error = page.locator("#children-0-birth_date-error").inner_text()
    assert error.startswith("Pietro: ")
    shot(v, f"campus-errors-{language}-390")


@pytest.mark.parametrize(("language", "width"), [("it", 390), ("en", 1280)])
def test_the_staff_create_an_edition_of_two_weeks_publish_it_and_see_it_public(
    visit, live_app, language, width
):
    from centrale_booking.auth.models import Role
    from tests.factories import make_staff

    email = f"education-{secrets.token_hex(4)}@centrale.example"
    with live_app.app_context():
        make_staff(Role.education, password="water towers of milan", email=email)
        monday = today() + timedelta(days=21 + (7 - today().weekday()) % 7)
        db.session.remove()
    token = secrets.token_hex(3)
    title = f"Campus di Pasqua {token}"
    v = visit(language, width=width)
    page = v.page
    v.open("/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("water towers of milan")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    v.open("/staff/campus/nuova")
    page.locator("#title_it").fill(title)
    page.locator("#title_en").fill(title.replace("Campus di Pasqua", "Easter campus"))
    page.locator("#season").select_option("easter")
    page.locator("#closure_starts").fill((monday - timedelta(days=3)).isoformat())
    page.locator("#closure_ends").fill((monday + timedelta(days=15)).isoformat())
    page.locator("#weeks-0-first_day").fill(monday.isoformat())
    page.locator("#weeks-0-last_day").fill((monday + timedelta(days=4)).isoformat())
    page.locator("#weeks-0-capacity").fill("30")
    with page.expect_navigation():
        page.locator("button[name=add][value=week]").click()
    second = monday + timedelta(weeks=1)
    page.locator("#weeks-1-first_day").fill(second.isoformat())
    page.locator("#weeks-1-last_day").fill((second + timedelta(days=4)).isoformat())
    page.locator("#weeks-1-capacity").fill("20")
    shot(v, f"campus-staff-new-{language}-{width}")
    with page.expect_navigation():
        page.locator("main button.btn-primary[type=submit]").click()
    assert "nuova" not in page.url, page.locator("#form-errors").inner_text()
    section = page.locator("section", has_text=token).first
    assert ("Non pubblica" if language == "it" else "Not public") in section.inner_text()
    with page.expect_navigation():
        section.locator("button[type=submit]").click()  # Publish
    shot(v, f"campus-staff-list-{language}-{width}")
    v.open("/campus/")
    public = " ".join(page.locator("main").inner_text().split())
    shown = title if language == "it" else title.replace("Campus di Pasqua", "Easter campus")
    assert shown in public
    with live_app.app_context():
        from sqlalchemy import select

        from centrale_booking.campus.rules import week_label

        campus = db.session.scalar(select(Campus).where(Campus.title_it == title))
        weeks = [week_label(slot, language) for slot in campus.slots]
        assert campus.published and len(weeks) == 2
        db.session.remove()
    assert all(week in public for week in weeks)
    shot(v, f"campus-index-new-{language}-{width}")
    assert v.foreign_requests == []
