"""School visits: free educational activities booked by grade level. Its pages come with the
schools issue; for now the kind has its table and its way in on the home page."""

from flask_babel import lazy_gettext as _l

from ..programmes import ProgrammeKind, Teaser
from .models import Activity

KIND = ProgrammeKind(
    name="activity",
    model=Activity,
    templates="schools",
    label=_l("Schools"),
    home_teaser=lambda: Teaser(way="schools/_home_way.html"),
)
