"""Family campus weeks held when schools close.

The programme's kind for the registry, and every URL it answers, in one place (as
events/__init__.py does): the public pages and the family's own page (views.py), the staff
register (staff.py), the API (api.py); and its commands (cli.py: `flask campus rotate-key`,
`flask purge-personal-data`), registered with its blueprint."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..admin import staff_blueprint
from ..api import api_blueprint
from ..auth.models import Role
from ..programmes import ProgrammeKind
from . import api, cli, staff, views
from .models import Campus
from .openapi import api_part
from .service import family_weeks

public = Blueprint("campus", __name__, url_prefix="/campus")
public.record_once(cli.setup)
public.after_request(views.keep_family_pages_private)
public.add_app_template_global(views.campus_family_of, "campus_family_of")
public.add_app_template_global(views.campus_family_url, "campus_family_url")
public.add_app_template_global(family_weeks, "campus_family_weeks")
public.add_url_rule("/", "index", views.index)
public.add_url_rule("/<id:campus_id>", "show", views.show)
public.add_url_rule("/<id:campus_id>/iscrivi", "enrol", views.enrol_page, methods=["GET", "POST"])
public.add_url_rule("/famiglia/<token>", "family", views.family)
public.add_url_rule(
    "/famiglia/<token>/accetta/<id:booking_id>", "accept", views.accept, methods=["POST"]
)
public.add_url_rule(
    "/famiglia/<token>/ritira/<id:place_id>", "withdraw", views.withdraw, methods=["GET", "POST"]
)
public.add_url_rule("/famiglia/<token>/delega", "one_off", views.one_off, methods=["POST"])
public.add_url_rule(
    "/famiglia/<token>/salute/<id:child_id>", "health", views.health, methods=["POST"]
)

# The editions and their weeks, and the register with the children's health notes: the
# education staff (and admins).
back_office = staff_blueprint("campus_staff", __name__, "/campus", role=Role.education)
back_office.add_url_rule("/", "weeks", staff.weeks)
back_office.add_url_rule("/nuova", "new_edition", staff.new_edition, methods=["GET", "POST"])
back_office.add_url_rule(
    "/<id:campus_id>/modifica", "edit_edition", staff.edit_edition, methods=["GET", "POST"]
)
back_office.add_url_rule(
    "/<id:campus_id>/pubblica", "publish_edition", staff.publish_edition, methods=["POST"]
)
back_office.add_url_rule(
    "/<id:campus_id>/nascondi",
    "unpublish_edition",
    staff.unpublish_edition,
    methods=["GET", "POST"],
)
back_office.add_url_rule("/<id:slot_id>/registro", "register", staff.register)
back_office.add_url_rule("/<id:slot_id>/registro.pdf", "register_pdf", staff.register_pdf)

# The desk near closing time: who is still here; health details open on purpose.
desk = staff_blueprint("campus_desk", __name__, "/accoglienza/campus", role=Role.desk)
desk.add_url_rule("/<id:slot_id>/ancora-qui", "still_here", staff.still_here)
desk.add_url_rule(
    "/<id:slot_id>/salute/<id:child_id>", "health_detail", staff.health_detail, methods=["POST"]
)

json_api = api_blueprint("campus_api", __name__, "/campus")
json_api.add_url_rule("/weeks", "list_weeks", api.list_weeks)
json_api.add_url_rule("/enrolments", "create_enrolment", api.create_enrolment, methods=["POST"])

KIND = ProgrammeKind(
    name="campus",
    model=Campus,
    templates="campus",
    label=_l("Family campus"),
    blueprints=(public, back_office, desk, json_api),
    staff_entry=("campus_staff.weeks", _l("Manage the campus")),
    staff_menu=(
        ("campus_staff.weeks", _l("Campus")),
        ("campus_staff.new_edition", _l("New campus edition")),
    ),
    api_part=api_part,
    home_teaser=views.home_teaser,
)
