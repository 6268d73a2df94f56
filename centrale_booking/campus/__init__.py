"""Family campus weeks held when schools close.

The programme's kind for the registry, and every URL it answers, in one place: the public
pages (views.py), the family's own page (the manage token), the staff register (staff.py),
the API (api.py); and its commands (`flask campus rotate-key`, `flask purge-personal-data`)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..programmes import ProgrammeKind, Teaser
from . import cli
from .models import Campus

public = Blueprint("campus", __name__, url_prefix="/campus")
public.record_once(cli.setup)

KIND = ProgrammeKind(
    name="campus",
    model=Campus,
    templates="campus",
    label=_l("Family campus"),
    blueprints=(public,),
    home_teaser=lambda: Teaser(way="campus/_home_way.html"),
)
