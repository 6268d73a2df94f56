"""School visits: free educational activities booked by grade level, from the scuola
dell'infanzia to the secondaria di secondo grado.

The programme's kind for the registry, and every URL it answers, in one place: the teachers'
pages (views.py), the staff pages (staff.py), the API (api.py, + openapi.py) and the commands
(cli.py: `flask schools import`)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..admin import staff_blueprint
from ..api import api_blueprint
from ..auth.models import Role
from ..programmes import ProgrammeKind
from ..rendered import brief_public_page
from . import api, cli, staff, views
from .models import Activity
from .openapi import api_part

public = Blueprint("schools", __name__, url_prefix="/scuole")
# The listings every teacher reads at the window's opening are kept a moment (rendered.py).
public.add_url_rule("/", "index", brief_public_page(views.index))
public.add_url_rule("/attivita", "activities", brief_public_page(views.activities))
public.add_url_rule("/attivita/<id:activity_id>", "activity", brief_public_page(views.activity))
public.add_url_rule("/turni/<id:slot_id>/prenota", "book", views.book, methods=["GET", "POST"])
public.add_url_rule("/prenotazione/<reference>/in-attesa", "pending", views.pending)
public.add_url_rule(
    "/prenotazione/<reference>/<token>/conferma", "confirm", views.confirm, methods=["POST"]
)
public.add_url_rule(
    "/prenotazione/<reference>/<token>/ci-siamo",
    "reconfirm",
    views.reconfirm,
    methods=["GET", "POST"],
)
public.add_url_rule(
    "/prenotazione/<reference>/<token>/numeri", "numbers", views.numbers, methods=["GET", "POST"]
)
public.add_url_rule("/immagini/<name>", "image", views.image)
public.add_url_rule("/scuola/<code>.json", "school_lookup", views.school_lookup)
public.app_context_processor(views.school_labels)
public.cli.command("import")(cli.import_command)  # flask schools import FILE.csv

back_office = staff_blueprint("schools_staff", __name__, "/scuole", role=Role.education)
back_office.add_url_rule("/", "schedule", staff.schedule)
back_office.add_url_rule("/giorno.pdf", "schedule_pdf", staff.schedule_pdf)
back_office.add_url_rule("/prenotazioni", "bookings", staff.bookings)
back_office.add_url_rule(
    "/prenotazioni/<id:booking_id>/assente", "no_show", staff.no_show, methods=["POST"]
)
back_office.add_url_rule("/attivita", "activities", staff.activities)
back_office.add_url_rule(
    "/attivita/nuova", "new_activity", staff.new_activity, methods=["GET", "POST"]
)
back_office.add_url_rule(
    "/attivita/<id:activity_id>", "edit_activity", staff.edit_activity, methods=["GET", "POST"]
)
back_office.add_url_rule(
    "/anni-scolastici", "school_years", staff.school_years, methods=["GET", "POST"]
)
back_office.add_url_rule("/turni", "slot_helper", staff.slot_helper, methods=["GET", "POST"])
back_office.context_processor(staff.staff_labels)

json_api = api_blueprint("schools_api", __name__, "/school")
json_api.add_url_rule("/activities", "list_activities", api.list_activities)
json_api.add_url_rule("/slots", "list_slots", api.list_slots)
json_api.add_url_rule("/bookings", "create_booking", api.create_booking, methods=["POST"])

KIND = ProgrammeKind(
    name="activity",
    model=Activity,
    templates="schools",
    label=_l("Schools"),
    blueprints=(public, back_office, json_api),
    api_part=api_part,
    export_columns=staff.export_columns,
    staff_entry=("schools_staff.schedule", _l("Manage school visits")),
    staff_menu=(
        ("schools_staff.schedule", _l("Day's schedule")),
        ("schools_staff.bookings", _l("School bookings")),
        ("schools_staff.activities", _l("School activities")),
        ("schools_staff.slot_helper", _l("School slots")),
        ("schools_staff.school_years", _l("School years")),
    ),
    home_teaser=views.home_teaser,
)
