"""How the events' categories and formats are named, in either language: one wording for the
public pages and the back office."""

from flask_babel import lazy_gettext as _l

from .models import Category, EventFormat

CATEGORY_LABELS = {
    Category.talk: _l("Talk"),
    Category.concert: _l("Concert"),
    Category.screening: _l("Screening"),
    Category.workshop: _l("Workshop"),
}
FORMAT_LABELS = {
    EventFormat.in_person: _l("In person"),
    EventFormat.streaming: _l("Live stream only"),
    EventFormat.both: _l("In person and live stream"),
}
