"""What many visitors are shown alike, kept (rendered.py): the schools' listings for a moment,
never a page of one visitor's own; the blank booking form's fields, until what they show
changes."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest

from centrale_booking.auth.models import Role
from centrale_booking.extensions import transaction, utcnow
from tests.factories import make_school_slot, make_slot
from tests.helpers import EN, sign_in
from tests.schools.test_pages import class_form

KEPT_SECONDS = 2.0  # the default: room for two requests on a loaded machine
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"PUBLIC_PAGE_SECONDS": KEPT_SECONDS}


def csrf_token(page: str) -> str:
    return CSRF.search(page).group(1)


def dates_page(client, activity, **kwargs):
    return client.get(f"/scuole/attivita/{activity.id}?classe=primaria-3", **kwargs)


def a_slot():
    return make_school_slot(starts_at=utcnow() + timedelta(days=20))


def take(slot):
    with transaction():
        slot.taken = slot.capacity


def test_a_listing_is_kept_a_moment_then_read_again(client, app):
    slot = a_slot()
    link = f"/scuole/turni/{slot.id}/prenota"
    assert link in dates_page(client, slot.programme).text
    take(slot)
    assert link in dates_page(client, slot.programme).text  # kept: up to KEPT_SECONDS old
    time.sleep(KEPT_SECONDS + 0.1)
    assert link not in dates_page(client, slot.programme).text


def test_nothing_is_kept_when_the_setting_is_zero(client, app):
    app.config["PUBLIC_PAGE_SECONDS"] = 0
    slot = a_slot()
    assert f"/scuole/turni/{slot.id}/prenota" in dates_page(client, slot.programme).text
    take(slot)
    assert f"/scuole/turni/{slot.id}/prenota" not in dates_page(client, slot.programme).text


def test_each_language_is_kept_apart(client, app):
    slot = a_slot()
    italian = dates_page(client, slot.programme).text
    english = dates_page(client, slot.programme, headers=EN).text
    assert 'lang="it"' in italian
    assert 'lang="en"' in english
    assert 'lang="it"' in dates_page(client, slot.programme).text


def test_a_signed_in_member_of_staff_is_never_served_a_kept_page_nor_leaves_one(client, app):
    slot = a_slot()
    visitor = app.test_client()
    assert "Sign out" not in dates_page(visitor, slot.programme, headers=EN).text
    sign_in(client, Role.education)
    assert "Sign out" in dates_page(client, slot.programme, headers=EN).text  # not the kept one
    take(slot)
    time.sleep(KEPT_SECONDS + 0.1)
    dates_page(client, slot.programme, headers=EN)  # staff's page: not kept for visitors
    page = dates_page(visitor, slot.programme, headers=EN).text
    assert "Sign out" not in page
    assert f"/scuole/turni/{slot.id}/prenota" not in page


def test_a_page_with_a_message_for_one_visitor_is_neither_kept_nor_served_kept(client, app):
    slot = make_school_slot(grades=("infanzia",), starts_at=utcnow() + timedelta(days=20))
    # A class of another level is sent back to the list with a message (flashed).
    other_level = client.get(f"/scuole/attivita/{slot.programme.id}?classe=primaria-3", headers=EN)
    assert other_level.status_code == 303
    listing = client.get("/scuole/attivita?classe=primaria-3", headers=EN).text
    assert "not meant for this grade level" in listing
    again = app.test_client().get("/scuole/attivita?classe=primaria-3", headers=EN).text
    assert "not meant for this grade level" not in again


def as_a_visitor(client, method, path, **kwargs):
    """A request as a browser makes it: in a thread of its own, so with an app context of its
    own (the test's is shared by every request made from it, and so is its CSRF token)."""
    answers = []
    thread = threading.Thread(
        target=lambda: answers.append(client.open(path, method=method, **kwargs))
    )
    thread.start()
    thread.join()
    return answers[0]


def test_the_blank_form_is_kept_with_each_visitor_its_own_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    slot = a_slot()
    path = f"/scuole/turni/{slot.id}/prenota?classe=primaria-3"
    first, second = app.test_client(), app.test_client()
    first_page = as_a_visitor(first, "GET", path).text
    second_page = as_a_visitor(second, "GET", path).text  # its fields: the kept ones
    assert 'max="28"' in first_page and 'max="28"' in second_page
    assert csrf_token(first_page) != csrf_token(second_page)
    form = {**class_form(), "csrf_token": csrf_token(second_page)}
    assert as_a_visitor(second, "POST", path, data=form).status_code == 303


def test_the_kept_form_follows_a_change_of_the_activity(client, app):
    slot = a_slot()
    path = f"/scuole/turni/{slot.id}/prenota?classe=primaria-3"
    assert 'max="28"' in client.get(path).text
    with transaction():
        slot.programme.max_pupils = 20
    assert 'max="20"' in client.get(path).text
    other = make_slot(capacity=1, programme=slot.programme, starts_at=slot.starts_at)
    assert 'max="20"' in client.get(f"/scuole/turni/{other.id}/prenota?classe=primaria-3").text


def test_a_refused_form_shows_what_was_typed_not_the_kept_blank_one(client, app):
    slot = a_slot()
    path = f"/scuole/turni/{slot.id}/prenota?classe=primaria-3"
    client.get(path)  # the blank form, kept
    refused = client.post(path, data={"school_code": "MIIC8AB00C", "teacher_name": "Anna"})
    assert refused.status_code == 422
    assert 'value="MIIC8AB00C"' in refused.text
    assert 'value="Anna"' in refused.text
    assert 'value="MIIC8AB00C"' not in client.get(path).text
