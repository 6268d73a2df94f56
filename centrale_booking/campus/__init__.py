"""Family campus weeks held when schools close. Its pages come with the campus issue; for now
the kind has its table and its way in on the home page."""

from flask_babel import lazy_gettext as _l

from ..programmes import ProgrammeKind, Teaser
from .models import Campus

KIND = ProgrammeKind(
    name="campus",
    model=Campus,
    templates="campus",
    label=_l("Family campus"),
    home_teaser=lambda: Teaser(way="campus/_home_way.html"),
)
