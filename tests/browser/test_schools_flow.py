"""A teacher books a class in a real browser, on a 390-px phone and on a desktop, in both
languages: the grade level and year, an activity, a free date, the form (the school filled in
from the registry as the code is typed), the page that says to check the email, the emailed
link, the confirmed booking. Screenshots go to $SCHOOL_SHOTS when it is set."""

from __future__ import annotations

import os
import secrets
from datetime import time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select

from centrale_booking.booking.counters import Counter
from centrale_booking.booking.models import Booking, Slot, Unit, WaitlistMode
from centrale_booking.clock import museum_time
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.schools.models import Activity, ActivityGrade, GradeLevel, School

SHOTS = os.environ.get("SCHOOL_SHOTS")


@pytest.fixture
def activity(live_app):
    with live_app.app_context():
        with transaction():
            starts = museum_time((utcnow() + timedelta(days=12)).date(), time(9, 30))
            activity = Activity(
                slug=f"browser-school-{secrets.token_hex(4)}",
                title_it="Dalla falda al rubinetto",
                title_en="From the aquifer to the tap",
                summary_it="Visita guidata alla Centrale.",
                summary_en="A guided tour of the Centrale.",
                duration_minutes=90,
                room="Sala pompe",
                max_pupils=28,
                published=True,
                unit=Unit.classes,
                max_per_booking=1,
                waitlist_mode=WaitlistMode.none,
                cancel_deadline_hours=72,
            )
            activity.grade_rows = [
                ActivityGrade(
                    grade=GradeLevel.primaria,
                    text_it="Un viaggio sotto Milano: pozzi, pompe e tubi, con modellini.",
                    text_en="A journey under Milan: wells, pumps and pipes, with models to touch.",
                )
            ]
            activity.slots = [
                Slot(
                    starts_at=starts + timedelta(hours=h),
                    ends_at=starts + timedelta(hours=h, minutes=90),
                    capacity=1,
                )
                for h in (0, 2, 24)
            ]
            db.session.add(activity)
            # One school books in every test: its yearly limit starts afresh in each.
            db.session.execute(delete(Counter))
            if db.session.get(School, "MIIC8AB00C") is None:
                db.session.add(
                    School(
                        code="MIIC8AB00C",
                        name="IC Via Rossi",
                        city="MILANO",
                        address="Via Rossi 12",
                    )
                )
        activity_id = activity.id
        db.session.remove()
    return activity_id


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize(
    ("language", "width"), [("it", 390), ("en", 1280), ("it", 1280), ("en", 390)]
)
def test_a_teacher_books_a_class_from_the_grade_level_to_the_confirmed_booking(
    visit, live_app, activity, language, width
):
    v = visit(language, width=width)
    page = v.page
    page.set_default_timeout(30_000)  # a shared machine under load: each step, not the whole
    tag = f"{language}-{width}"
    v.open("/scuole/")
    shot(page, f"1-class-{tag}")
    page.select_option("#classe", "primaria-3")
    page.locator("form.school-class-form button[type=submit]").click()
    shot(page, f"2-activities-{tag}")
    page.locator(f"a[href*='/scuole/attivita/{activity}']").first.click()
    page.wait_for_url(f"**/scuole/attivita/{activity}?classe=primaria-3")
    shot(page, f"3-dates-{tag}")
    page.locator("a[href*='/scuole/turni/']").first.click()
    page.wait_for_url("**/prenota?classe=primaria-3")
    assert page.locator("input[name=years][value='3']").is_checked()
    # The code typed: the registry fills in the school (the form's script).
    page.locator("#school_code").fill("miic8ab00c")
    expect(page.locator("#school_name")).to_have_value("IC Via Rossi")  # no eval: the CSP
    expect(page.locator("#city")).to_have_value("MILANO")
    page.locator("#class_name").fill("3B")
    page.locator("#pupils").fill("24")
    page.locator("#pupils_with_disabilities").fill("1")
    page.locator("#support_teachers").fill("1")
    said = page.locator("#adults-needed")
    assert ("almeno 2" if language == "it" else "at least 2") in said.inner_text()
    page.locator("#adults").fill("2")
    page.locator("#teacher_name").fill("Anna Bianchi")
    page.locator("#email").fill(f"anna.{tag}@scuola.example")
    page.locator("#phone").fill("+39 02 1234567")
    page.locator("#needs").fill("Un alunno in carrozzina")
    page.locator("label[for=privacy_consent]").click()  # the box sits under its label
    shot(page, f"4-form-{tag}")
    page.keyboard.press("Tab")
    page.locator("form.school-form button[type=submit]").focus()
    page.keyboard.press("Enter")  # by keyboard
    page.wait_for_url("**/in-attesa")
    assert ("controlla la tua email" if language == "it" else "check your email") in page.content()
    shot(page, f"5-pending-{tag}")
    with live_app.app_context():
        booking = db.session.scalars(
            select(Booking).where(Booking.contact_email == f"anna.{tag}@scuola.example")
        ).one()
        link = f"/prenotazione/{booking.reference}/{booking.manage_token}"
        db.session.remove()
    v.open(link)  # the link in the email
    page.locator("form[action$='/conferma'] button").click()
    page.wait_for_selector(".alert-success")
    assert "MIIC8AB00C" in page.content()
    shot(page, f"6-confirmed-{tag}")
    assert v.foreign_requests == []


def focus_by_tab(page, selector: str, most: int = 80) -> None:
    """Tab until the element is focused, as a person using only the keyboard does."""
    for _ in range(most):
        if page.locator(f"{selector}:focus").count():
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reached by Tab")


def test_a_class_is_booked_with_the_keyboard_alone(visit, live_app, activity):
    v = visit("it", width=390)
    page = v.page
    page.set_default_timeout(30_000)
    v.open("/scuole/")
    focus_by_tab(page, "#classe")
    for _ in range(20):  # down the list, one option at a time, to primaria's year 3
        if page.locator("#classe").input_value() == "primaria-3":
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#classe").input_value() == "primaria-3"
    focus_by_tab(page, "form.school-class-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/scuole/attivita?classe=primaria-3")
    focus_by_tab(page, f"a[href*='/scuole/attivita/{activity}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/scuole/attivita/{activity}?classe=primaria-3")
    focus_by_tab(page, "a[href*='/scuole/turni/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/prenota?classe=primaria-3")
    for selector, text in [
        ("#school_code", "MIIC8AB00C"),
        ("#class_name", "4A"),
        ("#pupils", "20"),
        ("#adults", "2"),
        ("#teacher_name", "Marta Verdi"),
        ("#email", "marta.keyboard@scuola.example"),
        ("#phone", "+39 02 7654321"),
    ]:
        focus_by_tab(page, selector)
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
    focus_by_tab(page, "#privacy_consent")
    page.keyboard.press("Space")
    focus_by_tab(page, "form.school-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/in-attesa")
    assert "controlla la tua email" in page.content()


def test_a_class_is_booked_without_javascript(browser, live_server, live_app, activity):
    """No script runs: the school is filled in from the registry after submitting, the adults
    needed are said by the page, and every step is a plain link or form."""
    context = browser.new_context(
        java_script_enabled=False,
        locale="en",
        extra_http_headers={"Accept-Language": "en"},
        viewport={"width": 390, "height": 900},
    )
    foreign: list[str] = []

    def only_ours(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{live_server}/scuole/")
        page.select_option("#classe", "primaria-3")
        page.locator("form.school-class-form button[type=submit]").click()
        page.locator(f"a[href*='/scuole/attivita/{activity}']").first.click()
        page.locator("a[href*='/scuole/turni/']").first.click()
        page.wait_for_url("**/prenota?classe=primaria-3")
        assert "at least one adult for every 15 pupils" in page.content().lower()
        page.locator("#school_code").fill("miic8ab00c")  # name and city left empty
        page.locator("#class_name").fill("2C")
        page.locator("#pupils").fill("31")  # more than the activity takes
        page.locator("#adults").fill("2")
        page.locator("#teacher_name").fill("Luca Neri")
        page.locator("#email").fill("luca.nojs@scuola.example")
        page.locator("#phone").fill("+39 02 1111111")
        page.locator("label[for=privacy_consent]").click()  # the box sits under its label
        page.locator("form.school-form button[type=submit]").click()
        # Refused next to its field; the school found in the registry meanwhile
        assert page.locator("#pupils-error").inner_text().startswith("Between 1 and 28")
        assert page.locator("#school_name").input_value() == "IC Via Rossi"
        assert "Found in the Ministry's registry" in page.locator("#school-found").inner_text()
        page.locator("#pupils").fill("24")
        assert page.locator("#privacy_consent").is_checked()  # kept, as every answer given
        page.locator("form.school-form button[type=submit]").click()
        page.wait_for_url("**/in-attesa")
        assert "check your email" in page.content()
        assert foreign == []
    finally:
        context.close()


STAFF_EMAIL, STAFF_PASSWORD = "didattica.turni@centrale.example", "a long enough password"


def _education_staff(live_app) -> None:
    from centrale_booking.auth.models import Role, StaffUser

    with live_app.app_context():
        if not db.session.scalar(select(StaffUser).where(StaffUser.email == STAFF_EMAIL)):
            with transaction():
                user = StaffUser(email=STAFF_EMAIL, name="Giulia Verdi", role=Role.education)
                user.set_password(STAFF_PASSWORD)
                db.session.add(user)
        db.session.remove()


def _a_class_booked_on_the_first_slot(live_app, activity_id: int, tag: str) -> None:
    from centrale_booking.booking.engine import Contact
    from centrale_booking.schools.rules import ClassDetails
    from centrale_booking.schools.service import book_class, confirm_class

    with live_app.app_context():
        slot = db.session.scalars(
            select(Slot).where(Slot.programme_id == activity_id).order_by(Slot.starts_at)
        ).first()
        details = ClassDetails(
            school_code="MIIC8AB00C",
            school_name="IC Via Rossi",
            city="Milano",
            class_name="3B",
            grade=GradeLevel.primaria,
            years=(3,),
            pupils=24,
            adults=2,
        )
        contact = Contact(name="Anna Bianchi", email=f"anna.slot.{tag}@scuola.example")
        with transaction():
            booking = book_class(slot, details, contact, now=utcnow())
        with transaction():
            confirm_class(booking, now=utcnow())
        db.session.remove()


@pytest.mark.parametrize(("language", "width"), [("it", 390), ("en", 1280)])
def test_the_education_staff_move_a_booked_slot_to_another_room_then_cancel_it(
    visit, live_app, activity, language, width
):
    from tests.browser.test_accessibility import axe_violations, describe

    _education_staff(live_app)
    tag = f"{language}-{width}"
    _a_class_booked_on_the_first_slot(live_app, activity, tag)
    v = visit(language, width=width)
    page = v.page
    page.set_default_timeout(30_000)
    v.open("/staff/login")
    page.get_by_label("Email", exact=True).fill(STAFF_EMAIL)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()

    def accessible(name: str) -> None:
        violations = axe_violations(v)
        assert violations == [], f"{name} ({tag}):\n" + describe(violations)

    v.open(f"/staff/scuole/attivita/{activity}/turni")
    shot(page, f"7-staff-slots-{tag}")
    accessible("the activity's slots")
    first = page.locator("tbody tr").first
    assert "3B · IC Via Rossi" in first.inner_text() and "Sala pompe" in first.inner_text()
    first.locator("a[href*='/staff/scuole/turni/']:not([href$='/annulla'])").click()
    page.wait_for_url("**/staff/scuole/turni/*")
    page.locator("#room").fill("Aula delle bolle")
    page.locator("main form button[type=submit]:not([name])").click()
    tell = page.locator("#tell-first")
    expect(tell).to_be_visible()
    assert ("1 docente riceverà" if language == "it" else "1 teacher will get") in tell.inner_text()
    shot(page, f"8-staff-slot-tell-first-{tag}")
    accessible("the slot's form, telling first")
    tell.locator("button[name=tell]").click()
    page.wait_for_url(f"**/staff/scuole/attivita/{activity}/turni*")
    assert "Aula delle bolle" in page.locator("tbody tr").first.inner_text()
    shot(page, f"9-staff-slot-changed-{tag}")
    page.locator("tbody tr").first.locator("a[href$='/annulla']").click()
    page.wait_for_url("**/annulla")
    said = page.locator("main").inner_text()
    assert (
        "In questo turno è prenotata 1 classe" if language == "it" else "1 class is booked"
    ) in said
    page.locator("#reason_it").fill("La sala è chiusa per lavori.")
    shot(page, f"10-staff-slot-cancel-{tag}")
    accessible("the cancel step")
    page.locator("main form button.btn-danger").click()
    page.wait_for_url(f"**/staff/scuole/attivita/{activity}/turni*")
    state = page.locator("tbody tr").first.locator(".state-cancelled")
    expect(state).to_have_text("Turno annullato" if language == "it" else "Slot cancelled")
    shot(page, f"11-staff-slot-cancelled-{tag}")
    assert v.foreign_requests == []
