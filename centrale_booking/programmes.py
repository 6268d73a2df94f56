"""The registry of kinds: what is per programme kind rather than per row. Each programme
folder (events/, schools/, campus/) makes one ProgrammeKind in its __init__.py; create_app
registers the kinds named in INSTALLED, in that order. The shared layers (home page, API
document, back office menu, exports) ask the registry, never a programme module: adding a
programme adds a folder and a line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app
from flask_babel.speaklater import LazyString

from .booking.models import Programme

INSTALLED = (
    "centrale_booking.events",
    "centrale_booking.schools",
    "centrale_booking.campus",
)


@dataclass(frozen=True)
class ApiPart:
    """A kind's part of the OpenAPI document: its paths and its component schemas."""

    paths: dict
    schemas: dict = field(default_factory=dict)
    tag: dict | None = None  # {"name": …, "description": …}


@dataclass(frozen=True)
class Teaser:
    """A kind's part of the home page: its way in (a card among the three, `way`), an
    optional block above them (`block`, such as the next events), and what both show."""

    way: str  # a template
    context: dict = field(default_factory=dict)
    block: str | None = None  # a template


@dataclass(frozen=True)
class ExportColumn:
    """One column of a kind's booking exports: its header and its value for a booking."""

    header: LazyString
    value: Callable[[object], object]


@dataclass(frozen=True)
class ProgrammeKind:
    name: str  # the programme's polymorphic identity: "event"
    model: type[Programme]
    templates: str  # its folder under templates/ ("events"): its panels, e.g. _manage.html
    label: LazyString  # "#InCentrale events" (lazy_gettext: in the reader's language)
    blueprints: tuple[Blueprint, ...] = ()
    api_part: Callable[[], ApiPart] | None = None
    export_columns: Callable[[], list[ExportColumn]] = list
    home_teaser: Callable[[], Teaser | None] | None = None
    # The back office: (endpoint, label) of the kind's staff pages, for the education staff
    # and admins; `staff_entry` is the one in the site's main menu ("Manage events").
    staff_menu: tuple[tuple[str, LazyString], ...] = ()
    staff_entry: tuple[str, LazyString] | None = None


def init_app(app: Flask) -> None:
    kinds: dict[str, ProgrammeKind] = {}
    for module in INSTALLED:
        kind: ProgrammeKind = importlib.import_module(module).KIND
        kinds[kind.name] = kind
        for blueprint in kind.blueprints:
            app.register_blueprint(blueprint)
    app.extensions["centrale_programmes"] = kinds

    @app.context_processor
    def _registry():
        return {"staff_menu": staff_menu, "staff_entries": staff_entries}


def kinds() -> list[ProgrammeKind]:
    return list(current_app.extensions["centrale_programmes"].values())


def kind_of(programme: Programme) -> ProgrammeKind:
    return current_app.extensions["centrale_programmes"][programme.kind]


def panel(programme: Programme, name: str, default: str) -> list[str]:
    """The templates to try for a programme's own panel: its kind's, else the default."""
    return [f"{kind_of(programme).templates}/{name}", default]


def staff_menu() -> list[tuple[str, str]]:
    """Every kind's staff pages, in the order of INSTALLED, then the shared layers' (see
    add_staff_page), labelled in the request's language."""
    shared = current_app.extensions.get("centrale_staff_pages", [])
    entries = [entry for kind in kinds() for entry in kind.staff_menu]
    return [(endpoint, str(label)) for endpoint, label in (*entries, *shared)]


def add_staff_page(app: Flask, endpoint: str, label: LazyString) -> None:
    """A shared layer's page in the back office's menu (the desk's group arrivals), after
    the kinds' pages; for the education staff and admins, as the menu is."""
    app.extensions.setdefault("centrale_staff_pages", []).append((endpoint, label))


def staff_entries() -> list[tuple[str, str]]:
    """Each kind's entry to its staff pages, for the site's main menu."""
    return [(k.staff_entry[0], str(k.staff_entry[1])) for k in kinds() if k.staff_entry]


def home_teasers() -> list[Teaser]:
    teasers = (kind.home_teaser() for kind in kinds() if kind.home_teaser is not None)
    return [teaser for teaser in teasers if teaser is not None]


def add_api_part(app: Flask, api_part: Callable[[], ApiPart]) -> None:
    """A shared layer's part of the OpenAPI document (the desk's check-in API), beside the
    kinds' parts."""
    app.extensions.setdefault("centrale_api_parts", []).append(api_part)


def api_parts() -> list[ApiPart]:
    shared = current_app.extensions.get("centrale_api_parts", [])
    parts = [kind.api_part for kind in kinds() if kind.api_part is not None]
    return [api_part() for api_part in (*parts, *shared)]
