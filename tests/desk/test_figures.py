"""Group arrivals: what the desk confirmed at the door, for the staff and the yearly figures."""

from __future__ import annotations

from centrale_booking.auth.models import Role
from tests.desk.programmes import book, class_visit, today_slot
from tests.helpers import EN, sign_in

FIGURES = "/staff/arrivi-gruppi/"


def test_a_class_that_came_short_shows_in_the_years_figures_with_its_difference(client):
    [ticket] = book(today_slot(class_visit()), name="3B IC Via Rossi").tickets
    sign_in(client, Role.desk)
    scan = client.post(
        "/api/v1/desk/scans", json={"code": ticket.code, "device": "Desk 1"}, headers=EN
    ).get_json()
    counted = client.post(
        f"/api/v1/desk/scans/{scan['scan']['id']}/counts",
        json={"arrived": {"pupils": 22}},
        headers=EN,
    )
    assert counted.status_code == 200
    assert client.get(FIGURES).status_code == 403  # the desk counts; the office reads
    client.post("/staff/logout")
    sign_in(client, Role.education)
    page = client.get(FIGURES, headers=EN).get_data(as_text=True)
    assert "3B IC Via Rossi" in page
    assert '<th scope="row">Pupils</th><td>24</td><td>22</td><td>-2</td>' in page
    assert "Support teachers 1/1" in page


def test_a_year_without_groups_says_so_and_a_year_out_of_range_is_not_found(client):
    sign_in(client, Role.education)
    page = client.get(FIGURES + "?anno=2020", headers=EN).get_data(as_text=True)
    assert "No group has been let in this year yet." in page
    assert client.get(FIGURES + "?anno=1999").status_code == 404


def test_the_group_arrivals_are_in_the_back_offices_menu(client):
    sign_in(client, Role.education)
    link = '<a href="/staff/arrivi-gruppi/"'
    events = client.get("/staff/eventi/", headers=EN).get_data(as_text=True)
    assert f"{link}>Group arrivals</a>" in events  # beside the programmes' own pages
    page = client.get(FIGURES, headers=EN).get_data(as_text=True)
    assert f'{link} aria-current="page">Group arrivals</a>' in page
