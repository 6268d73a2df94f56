"""Staff login, logout, the login rate limit, roles, and the `flask users create` command."""

import time

import pytest
from sqlalchemy import select

from centrale_booking.auth.models import Role, StaffUser
from centrale_booking.auth.roles import role_required
from centrale_booking.extensions import db, transaction
from tests.factories import STAFF_PASSWORD, make_staff
from tests.helpers import EN, Page, log_in, signed_in


def field_error(response, field: str) -> str:
    """The error announced next to a field, checking that the field points at it."""
    page = Page(response.get_data(as_text=True))
    assert page.by_id[field].get("aria-invalid") == "true"
    assert page.by_id[field].get("aria-describedby") == f"{field}-error"
    return page.by_id[f"{field}-error"]["text"].strip()


def test_staff_signs_in_and_sees_the_staff_area(client):
    user = make_staff(Role.education, email="anna@centrale.example", name="Anna")
    response = log_in(client, "Anna@Centrale.example")  # the email in any case
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"
    page = client.get("/staff/", headers=EN).get_data(as_text=True)
    assert "Welcome, Anna." in page and "anna@centrale.example" in page
    db.session.expire_all()
    assert db.session.get(StaffUser, user.id).last_login_at is not None


def test_wrong_password_is_refused_next_to_the_field(client):
    make_staff(email="anna@centrale.example")
    response = log_in(client, "anna@centrale.example", "not the password")
    assert response.status_code == 200
    assert field_error(response, "password") == "Email or password is not correct."
    assert not signed_in(client)


def test_wrong_password_is_refused_in_italian_by_default(client):
    make_staff(email="anna@centrale.example")
    response = log_in(client, "anna@centrale.example", "not the password", headers={})
    assert field_error(response, "password") == "Email o password non corretti."


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    make_staff(email="anna@centrale.example")
    known = log_in(client, "anna@centrale.example", "not the password")
    unknown = log_in(client, "nobody@centrale.example", "not the password")
    assert unknown.status_code == known.status_code
    assert field_error(unknown, "password") == field_error(known, "password")
    assert "email-error" not in Page(unknown.get_data(as_text=True)).by_id
    # The page is the same but for the email typed in.
    assert unknown.get_data(as_text=True).replace("nobody@", "anna@") == known.get_data(
        as_text=True
    )


@pytest.mark.parametrize("app_config", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_an_unknown_email_takes_as_long_as_a_wrong_password(client):
    """A failed login checks a password hash either way: its timing tells no one which
    addresses have an account."""
    make_staff(email="anna@centrale.example")

    times = {"anna@centrale.example": [], "nobody@centrale.example": []}
    for _ in range(6):  # in turns, so that a busy machine slows both alike
        for email, taken in times.items():
            start = time.perf_counter()
            log_in(client, email, "not the password")
            taken.append(time.perf_counter() - start)
    # The fastest of each: noise only ever adds time. Without the check of a stand-in hash
    # an unknown email answers about ten times faster.
    known, unknown = min(times["anna@centrale.example"]), min(times["nobody@centrale.example"])
    assert unknown > 0.5 * known, f"unknown email {unknown:.3f}s, wrong password {known:.3f}s"


def test_missing_fields_are_announced_next_to_each_field(client):
    response = client.post("/staff/login", data={}, headers=EN)
    assert field_error(response, "email") == "Please enter your email address."
    assert field_error(response, "password") == "Please enter your password."
    summary = Page(response.get_data(as_text=True)).by_id["form-errors"]["text"]
    assert " ".join(summary.split()) == (
        "Please correct the fields marked below. Email: Please enter your email address."
        " Password: Please enter your password."
    )


def test_an_inactive_account_is_refused(client):
    make_staff(email="gone@centrale.example", active=False)
    response = log_in(client, "gone@centrale.example")
    assert response.status_code == 200
    assert "disabled" in field_error(response, "email")
    assert not signed_in(client)


def test_an_inactive_account_with_a_wrong_password_learns_nothing(client):
    make_staff(email="gone@centrale.example", active=False)
    response = log_in(client, "gone@centrale.example", "not the password")
    assert field_error(response, "password") == "Email or password is not correct."
    assert "email-error" not in Page(response.get_data(as_text=True)).by_id


def test_a_deactivated_user_is_signed_out_on_the_next_request(client):
    user = make_staff(email="anna@centrale.example")
    log_in(client, "anna@centrale.example")
    assert signed_in(client)
    with transaction():
        db.session.get(StaffUser, user.id).active = False
    assert not signed_in(client)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_sign_out_is_a_post_with_the_csrf_token(client):
    make_staff(email="anna@centrale.example")
    login_page = Page(client.get("/staff/login").get_data(as_text=True))
    token = login_page.by_id["csrf_token"]["value"]
    response = client.post(
        "/staff/login",
        data={"email": "anna@centrale.example", "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303 and signed_in(client)

    assert client.get("/staff/logout").status_code == 405
    assert client.post("/staff/logout").status_code == 400  # no token: refused
    assert signed_in(client)

    staff_page = Page(client.get("/staff/").get_data(as_text=True))
    token = staff_page.by_id["logout-csrf"]["value"]
    response = client.post("/staff/logout", data={"csrf_token": token}, headers=EN)
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/login"
    assert "You have signed out." in client.get("/staff/login", headers=EN).get_data(as_text=True)
    assert not signed_in(client)


def test_login_is_rate_limited(app, client):
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"
    for _ in range(10):
        assert log_in(client, "nobody@centrale.example", "guess").status_code == 200
    response = log_in(client, "nobody@centrale.example", "guess")
    assert response.status_code == 429
    assert "Too many attempts. Please wait a minute and try again." in response.get_data(
        as_text=True
    )
    assert int(response.headers["Retry-After"]) > 0
    # Italian for a visitor who has not chosen, and the form can still be read.
    italian = log_in(client, "nobody@centrale.example", "guess", headers={})
    assert italian.status_code == 429
    assert "Troppi tentativi" in italian.get_data(as_text=True)
    assert client.get("/staff/login").status_code == 200


@pytest.mark.parametrize("app_config", [{"LOGIN_RATE_LIMIT": "2 per minute"}])
def test_the_login_limit_comes_from_the_configuration(client):
    make_staff(email="anna@centrale.example")
    log_in(client, "anna@centrale.example", "guess")
    log_in(client, "anna@centrale.example", "guess")
    assert log_in(client, "anna@centrale.example").status_code == 429  # even the right password
    assert not signed_in(client)


NEXT_TARGETS = [
    ("/staff/?tab=today", "/staff/?tab=today"),
    ("/", "/"),
    ("https://evil.example/", "/staff/"),
    ("//evil.example/", "/staff/"),
    ("/\\evil.example/", "/staff/"),
    ("/\t/evil.example/", "/staff/"),
    ("javascript:alert(1)", "/staff/"),
    ("", "/staff/"),
]


@pytest.mark.parametrize("app_config", [{"LOGIN_RATE_LIMIT": "100 per minute"}])
def test_next_only_leads_to_our_own_pages(client):
    make_staff(email="anna@centrale.example")
    landed = []
    for target, _ in NEXT_TARGETS:
        response = client.post(
            "/staff/login",
            query_string={"next": target},
            data={"email": "anna@centrale.example", "password": STAFF_PASSWORD},
        )
        assert response.status_code == 303
        landed.append((target, response.headers["Location"]))
        client.post("/staff/logout")
    assert landed == NEXT_TARGETS


def test_a_protected_page_sends_anonymous_visitors_to_sign_in_and_back(client):
    response = client.get("/staff/", headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login?next=%2Fstaff%2F"
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Please sign in to see this page." in page
    make_staff(email="anna@centrale.example")
    back = log_in(client, "anna@centrale.example", query="?next=%2Fstaff%2F")
    assert back.headers["Location"] == "/staff/"


@pytest.fixture
def education_page(app):
    """A test-only page for education staff, registered before the first request."""

    @role_required(Role.education)
    def education_only():
        return "education page"

    app.add_url_rule("/staff/test-education-only", view_func=education_only)
    return "/staff/test-education-only"


def test_role_required_sends_anonymous_visitors_to_sign_in(client, education_page):
    response = client.get(education_page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")


@pytest.mark.parametrize(
    "role, status", [(Role.desk, 403), (Role.education, 200), (Role.admin, 200)]
)
def test_role_required_lets_in_the_role_and_admin_only(client, education_page, role, status):
    make_staff(role, email="someone@centrale.example")
    log_in(client, "someone@centrale.example")
    response = client.get(education_page, headers=EN)
    assert response.status_code == status
    if status == 403:
        assert "You do not have permission to see this page." in response.get_data(as_text=True)
    else:
        assert response.get_data(as_text=True) == "education page"


def test_signed_in_staff_visiting_the_login_page_go_to_the_staff_area(client):
    make_staff(email="anna@centrale.example")
    log_in(client, "anna@centrale.example")
    response = client.get("/staff/login")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"


# `flask users create`


def test_users_create_asks_for_the_password_and_the_account_signs_in(runner, client):
    result = runner.invoke(
        args=["users", "create", "Desk@Centrale.example", "--role", "desk", "--name", "Desk"],
        input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created desk@centrale.example (desk)." in result.output
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "desk@centrale.example"))
    assert user.role is Role.desk and user.name == "Desk" and user.active
    assert STAFF_PASSWORD not in user.password_hash
    assert log_in(client, "desk@centrale.example").status_code == 303


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters"),
        ("elevenchars", "at least 12 characters"),
        ("qwerty123456", "too easy to guess"),  # among the most common passwords
        ("password1234", "too easy to guess"),
        ("aaaaaaaaaaaa", "too easy to guess"),
    ],
)
def test_users_create_refuses_a_short_or_common_password(runner, password, message):
    result = runner.invoke(
        args=["users", "create", "admin@centrale.example", "--role", "admin"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(StaffUser)) is None


def test_users_create_takes_no_password_on_the_command_line(runner):
    result = runner.invoke(
        args=["users", "create", "a@centrale.example", "--role", "admin", "--password", "x" * 20],
        input="",
    )
    assert result.exit_code != 0 and "No such option" in result.output
    assert db.session.scalar(select(StaffUser)) is None


def test_users_create_refuses_mismatched_passwords(runner):
    result = runner.invoke(
        args=["users", "create", "admin@centrale.example", "--role", "admin"],
        input=f"{STAFF_PASSWORD}\nsomething else\n",  # click asks again; no more input
    )
    assert result.exit_code != 0
    assert db.session.scalar(select(StaffUser)) is None


def test_users_create_refuses_a_duplicate_email(runner):
    make_staff(email="admin@centrale.example")
    result = runner.invoke(
        args=["users", "create", "ADMIN@centrale.example", "--role", "admin"],
        input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n",
    )
    assert result.exit_code != 0
    assert "admin@centrale.example already has an account" in result.output
    assert len(db.session.scalars(select(StaffUser)).all()) == 1


# Throttling that cannot lock the owner out; sessions that end ------------------------------------


def _from(address):
    return {"REMOTE_ADDR": address}


@pytest.mark.parametrize("app_config", [{"LOGIN_RATE_LIMIT": "3 per minute"}])
def test_a_throttled_address_still_lets_a_known_device_in(app):
    make_staff(email="anna@centrale.example")
    own, stranger = app.test_client(), app.test_client()
    assert log_in(own, "anna@centrale.example").status_code == 303  # the device is known now
    own.post("/staff/logout")
    for _ in range(3):
        assert log_in(stranger, "anna@centrale.example", "guess").status_code == 200
    assert log_in(stranger, "anna@centrale.example").status_code == 429  # a new client: no
    assert log_in(own, "anna@centrale.example").status_code == 303  # the same address: yes
    assert signed_in(own)


@pytest.mark.parametrize("app_config", [{"LOGIN_ACCOUNT_RATE_LIMIT": "4 per 15 minutes"}])
def test_guessing_from_many_addresses_throttles_the_account_for_new_clients_only(app):
    make_staff(email="anna@centrale.example")
    own, guesser = app.test_client(), app.test_client()
    assert log_in(own, "anna@centrale.example").status_code == 303
    own.post("/staff/logout")
    for n in range(4):
        guess = guesser.post(
            "/staff/login",
            data={"email": "anna@centrale.example", "password": f"guess {n}"},
            environ_base=_from(f"198.51.100.{n}"),
        )
        assert guess.status_code == 200
    blocked = guesser.post(
        "/staff/login",
        data={"email": "anna@centrale.example", "password": STAFF_PASSWORD},
        environ_base=_from("198.51.100.99"),
    )
    assert blocked.status_code == 429  # even the right password, from a client never seen
    assert log_in(own, "anna@centrale.example").status_code == 303  # the owner's device
    other = make_staff(email="bruno@centrale.example")
    assert log_in(guesser, other.email).status_code == 303  # other accounts are not affected


def test_signing_in_starts_a_new_session(client):
    make_staff(email="anna@centrale.example")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    log_in(client, "anna@centrale.example")
    with client.session_transaction() as after:
        assert "planted" not in after and after.get("_user_id")


def _remember_cookie(client):
    return client.get_cookie("remember_token")


def test_remember_me_ends_at_logout(app):
    make_staff(email="anna@centrale.example")
    client = app.test_client()
    client.post(
        "/staff/login",
        data={"email": "anna@centrale.example", "password": STAFF_PASSWORD, "remember": "y"},
    )
    cookie = _remember_cookie(client)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    stolen = app.test_client()
    stolen.set_cookie("remember_token", cookie.value)
    assert signed_in(stolen)  # what the cookie is for, until logout
    client.post("/staff/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", cookie.value)
    assert not signed_in(thief)
    client.post(
        "/staff/login",
        data={"email": "anna@centrale.example", "password": STAFF_PASSWORD, "remember": "y"},
    )
    assert _remember_cookie(client).value != cookie.value  # a new one at the next login


def test_a_new_password_ends_every_session(app):
    user = make_staff(email="anna@centrale.example")
    client = app.test_client()
    log_in(client, "anna@centrale.example")
    assert signed_in(client)
    with transaction():
        db.session.get(StaffUser, user.id).set_password("a brand new passphrase 42")
    with app.app_context():  # as the next request would be: nothing cached from this one
        assert not signed_in(client)


@pytest.mark.parametrize("app_config", [{"BASE_URL": "https://prenotazioni.example"}])
def test_cookies_are_secure_when_served_over_https(app):
    make_staff(email="anna@centrale.example")
    client = app.test_client()
    client.post(
        "/staff/login",
        data={"email": "anna@centrale.example", "password": STAFF_PASSWORD, "remember": "y"},
        base_url="https://prenotazioni.example",
    )
    client.get("/lingua/en", base_url="https://prenotazioni.example")  # the visitors' one too
    cookies = [("session", "/"), ("remember_token", "/"), ("staff_device", "/staff/login")]
    for name, path in [*cookies, ("lang", "/")]:
        cookie = client.get_cookie(name, domain="prenotazioni.example", path=path)
        assert cookie is not None and cookie.secure, name


def test_cookies_are_not_secure_over_plain_http(app):
    assert app.config["SESSION_COOKIE_SECURE"] is False
