"""#InCentrale events: talks, concerts, screenings and workshops, in person and live-streamed.

The programme's kind for the registry, and every URL it answers, in one place (as Indico's
blueprint.py lists a module's): the public pages (views.py), the staff pages (staff.py), the
API (api.py) and the calendar feeds (feeds.py)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..admin import staff_blueprint
from ..api import api_blueprint
from ..auth.models import Role
from ..programmes import ProgrammeKind
from . import api, feeds, staff, views
from .exports import export_columns
from .models import Event
from .openapi import api_part

public = Blueprint("events", __name__, url_prefix="/eventi")
public.add_url_rule("/", "index", views.index)
public.add_url_rule("/<id:event_id>", "show", views.show)
public.add_url_rule("/<id:event_id>/prenota", "book", views.book, methods=["GET", "POST"])
public.add_url_rule("/<id:event_id>/evento.ics", "event_file", feeds.event_file)
public.add_url_rule("/immagini/<name>", "image", views.image)
public.app_context_processor(views.event_labels)
public.add_app_template_global(views.event_image_url, "event_image_url")  # macros too

calendar = Blueprint("events_feed", __name__)
calendar.add_url_rule("/calendar.ics", "feed", feeds.feed)

back_office = staff_blueprint("events_staff", __name__, "/eventi", role=Role.education)
back_office.add_url_rule("/", "events", staff.events)
back_office.add_url_rule("/nuovo", "new_event", staff.new_event, methods=["GET", "POST"])
back_office.add_url_rule("/serie", "series", staff.series, methods=["GET", "POST"])
back_office.add_url_rule(
    "/serie/<id:series_id>", "edit_series", staff.edit_series, methods=["GET", "POST"]
)
back_office.add_url_rule("/<id:event_id>", "event", staff.event)
back_office.add_url_rule(
    "/<id:event_id>/modifica", "edit_event", staff.edit_event, methods=["GET", "POST"]
)
back_office.add_url_rule("/<id:event_id>/pubblica", "publish", staff.publish, methods=["POST"])
back_office.add_url_rule(
    "/<id:event_id>/ritira", "unpublish", staff.unpublish, methods=["GET", "POST"]
)
back_office.add_url_rule("/<id:event_id>/annulla", "cancel", staff.cancel, methods=["GET", "POST"])
back_office.add_url_rule("/<id:event_id>/scrivi", "write", staff.write, methods=["GET", "POST"])
back_office.add_url_rule("/<id:event_id>/iscritti.csv", "attendees_export", staff.attendees_export)
back_office.add_url_rule(
    "/<id:event_id>/prenotazioni/nuova",
    "phone_booking",
    staff.phone_booking,
    methods=["GET", "POST"],
)
back_office.add_url_rule(
    "/<id:event_id>/prenotazioni/<id:booking_id>/annulla",
    "cancel_booking",
    staff.cancel_attendee_booking,
    methods=["GET", "POST"],
)
back_office.add_url_rule(
    "/<id:event_id>/prenotazioni/<id:booking_id>/reinvia",
    "resend_confirmation",
    staff.resend_attendee_confirmation,
    methods=["POST"],
)
back_office.add_url_rule(
    "/<id:event_id>/prenotazioni/<id:booking_id>/posti",
    "change_seats",
    staff.change_attendee_booking_seats,
    methods=["POST"],
)
back_office.context_processor(staff.staff_labels)

json_api = api_blueprint("events_api", __name__, "/events")
json_api.add_url_rule("", "list_events", api.list_events)
json_api.add_url_rule(
    "/<id:event_id>/bookings",
    "create_booking",
    api.create_booking,
    methods=["POST"],
)

KIND = ProgrammeKind(
    name="event",
    model=Event,
    templates="events",
    label=_l("#InCentrale events"),
    blueprints=(public, calendar, back_office, json_api),
    api_part=api_part,
    export_columns=export_columns,
    home_teaser=views.home_teaser,
    staff_entry=("events_staff.events", _l("Manage events")),
    staff_menu=(
        ("events_staff.events", _l("Events")),
        ("events_staff.new_event", _l("New event")),
        ("events_staff.series", _l("Weekly series")),
    ),
)
