"""The pages in a real browser: WCAG 2.1 AA by axe-core, keyboard use, the language switch,
errors announced next to their field, and nothing loaded from another host."""

import pytest
from sqlalchemy import select

from centrale_booking.auth.models import Role, StaffUser
from centrale_booking.extensions import db, transaction

AXE = "/static/vendor/axe-core/axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(visit) -> list[dict]:
    visit.page.add_script_tag(url=visit.base_url + AXE)
    return visit.page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" "))}));
        }""",
        WCAG_21_AA,
    )


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )


def submit_empty_login(visit) -> None:
    visit.open("/staff/login")
    with visit.page.expect_navigation():
        visit.page.locator("main button[type=submit]").click()


STAFF_EMAIL, STAFF_PASSWORD = "didattica@centrale.example", "a long enough password"


@pytest.fixture
def staff_account(live_app):
    """An education staff account in the live app's database (other tests empty it)."""
    with live_app.app_context():
        if not db.session.scalar(select(StaffUser).where(StaffUser.email == STAFF_EMAIL)):
            with transaction():
                user = StaffUser(email=STAFF_EMAIL, name="Giulia Verdi", role=Role.education)
                user.set_password(STAFF_PASSWORD)
                db.session.add(user)
        db.session.remove()
    return STAFF_EMAIL


def sign_in(visit) -> None:
    visit.open("/staff/login")
    visit.page.get_by_label("Email", exact=True).fill(STAFF_EMAIL)
    visit.page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    with visit.page.expect_navigation():
        visit.page.locator("main button[type=submit]").click()
    assert visit.page.url.endswith("/staff/")


PAGES = {
    "home": lambda visit: visit.open("/"),
    "login": lambda visit: visit.open("/staff/login"),
    "login with errors": submit_empty_login,
    "staff area": sign_in,
    "not found": lambda visit: visit.open("/no-such-page"),
}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_meet_wcag_21_aa(visit, staff_account, name, language, width):
    v = visit(language, width)
    PAGES[name](v)
    assert v.page.locator("html").get_attribute("lang") == language
    violations = axe_violations(v)
    assert violations == [], (
        f"{name} ({language}, {width}px): {len(violations)} WCAG 2.1 AA violations\n"
        + describe(violations)
    )
    assert v.foreign_requests == []


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(visit):
    v = visit("it")
    v.open("/")
    v.page.keyboard.press("Tab")
    focused = v.page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"text": "Vai al contenuto", "href": "#main"}
    box = v.page.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 10  # seen when focused
    v.page.keyboard.press("Enter")
    assert v.page.evaluate("() => document.activeElement.id") == "main"
    v.page.keyboard.press("Tab")  # the next stop is inside main, past the header
    assert v.page.evaluate("() => document.activeElement.closest('main') !== null")


def test_the_language_switch_works_by_clicking_and_is_remembered(visit):
    v = visit("it")
    v.open("/staff/login?next=/staff/")
    assert v.page.locator("h1").inner_text() == "Accesso staff"
    with v.page.expect_navigation():
        v.page.get_by_role("link", name="English").click()
    assert v.page.url == v.base_url + "/staff/login?next=/staff/"
    assert v.page.locator("html").get_attribute("lang") == "en"
    assert v.page.locator("h1").inner_text() == "Staff sign in"

    v.open("/")  # remembered, though the browser still asks for Italian
    assert v.page.locator("html").get_attribute("lang") == "en"
    with v.page.expect_navigation():
        v.page.get_by_role("link", name="Italiano").click()
    assert v.page.locator("html").get_attribute("lang") == "it"
    assert v.page.url == v.base_url + "/"


def test_login_errors_are_announced_next_to_their_fields(visit):
    v = visit("it", 390)
    submit_empty_login(v)
    summary = v.page.locator("#form-errors")
    assert summary.get_attribute("role") == "alert"
    assert v.page.evaluate("() => document.activeElement.id") == "form-errors"
    email = v.page.get_by_label("Email", exact=True)
    password = v.page.get_by_label("Password", exact=True)
    assert email.get_attribute("aria-invalid") == "true"
    from playwright.sync_api import expect

    expect(email).to_have_accessible_description("Inserisci il tuo indirizzo email.")
    expect(password).to_have_accessible_description("Inserisci la password.")
    # Each error in the summary leads to its field.
    summary.get_by_role("link", name="Password: Inserisci la password.").click()
    assert v.page.evaluate("() => document.activeElement.id") == "password"


@pytest.mark.parametrize("width", [390, 1280])
def test_pages_fit_a_phone_and_use_the_museum_font(visit, width):
    v = visit("it", width)
    for path in ("/", "/staff/login"):
        v.open(path)
        v.page.evaluate("() => document.fonts.ready")
        assert v.page.evaluate("() => document.documentElement.scrollWidth") <= width
        assert v.page.evaluate("() => document.fonts.check('16px \"Titillium Web\"')")
        loaded = v.page.evaluate(
            "() => [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
        )
        assert any("Titillium Web" in family for family in loaded)
    assert v.foreign_requests == []
