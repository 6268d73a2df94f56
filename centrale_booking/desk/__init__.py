"""The front desk: the scanner page (camera, handheld scanner, typed code or name), today's
board, and the check-in API its page and devices use. A shared layer: it knows programmes
only through the Programme protocol's door hooks (booking/models.py) and records every scan
with the engine's record_scan (booking/checkin.py). Every URL it answers is here."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from ..admin import staff_blueprint
from ..api import PREFIX
from ..auth.models import Role
from ..extensions import csrf
from ..programmes import add_api_part, add_staff_page
from ..security import camera_page
from . import api, tokens, views
from .openapi import api_part

pages = staff_blueprint("desk", __name__, "/desk", role=Role.desk)
pages.add_url_rule("/", "scanner", camera_page(views.scanner))  # reads QR codes with it
pages.add_url_rule("/oggi", "board", views.board)
pages.add_url_rule("/sw.js", "service_worker", views.service_worker)
pages.add_url_rule("/biglietti/<code>", "details", views.details, methods=["POST"])

admin_pages = staff_blueprint("desk_devices", __name__, "/desk/dispositivi", role=Role.admin)
admin_pages.add_url_rule("/", "devices", views.devices, methods=["GET", "POST"])
admin_pages.add_url_rule(
    "/<id:device_id>/revoca",
    "revoke_device",
    views.revoke_device,
    methods=["POST"],
)

# How many came with each group ticket: for the education staff and admins (yearly figures).
figures_pages = staff_blueprint("desk_figures", __name__, "/arrivi-gruppi", role=Role.education)
figures_pages.add_url_rule("/", "figures", views.figures)

# The staff session's cookie authorises it: api.staff_only checks the CSRF token itself,
# unless the request comes with a device token instead.
json_api = Blueprint("desk_api", __name__, url_prefix=PREFIX + "/desk")
csrf.exempt(json_api)
json_api.before_request(api.staff_only)
json_api.add_url_rule("/scans", "scans", api.scans, methods=["POST"])
json_api.add_url_rule("/scans/<id:scan_id>/counts", "counts", api.counts, methods=["POST"])
json_api.add_url_rule("/walk-ins", "walk_ins", api.walk_ins, methods=["POST"])
json_api.add_url_rule("/today", "today", api.today)
json_api.add_url_rule("/search", "search", api.search)


# POST /api/v1/checkins: a scan, as devices other than the desk's page send it (the same
# view and answer as /api/v1/desk/scans).
checkins_api = Blueprint("checkins_api", __name__, url_prefix=PREFIX)
csrf.exempt(checkins_api)
checkins_api.before_request(api.staff_only)
checkins_api.add_url_rule("/checkins", "checkins", api.scans, methods=["POST"])


def _private(response):
    response.headers["Cache-Control"] = "private, no-store"  # names of people at the door
    return response


json_api.after_request(_private)
checkins_api.after_request(_private)


def init_app(app: Flask) -> None:
    app.register_blueprint(pages)
    app.register_blueprint(admin_pages)
    app.register_blueprint(figures_pages)
    app.register_blueprint(json_api)
    app.register_blueprint(checkins_api)
    add_api_part(app, api_part)
    add_staff_page(app, "desk_figures.figures", _l("Group arrivals"))
    app.cli.add_command(tokens.tokens)
