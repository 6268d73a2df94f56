"""Language: Italian by default, English by a remembered switch or the browser's
Accept-Language; a complete Italian catalogue; and no page loading anything from another host."""

import re
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from tests.helpers import Page

ITALIAN_PO = ROOT / "translations" / "it" / "LC_MESSAGES" / "messages.po"
HOME_IT = "Prenota la tua visita alla Centrale dell'Acqua"
HOME_EN = "Book your visit to the Centrale dell'Acqua"


@pytest.fixture
def engine_name():
    """These pages read nothing from the database: SQLite is enough."""
    return "sqlite"


def get(client, path, accept=None, cookie=None):
    if cookie:
        client.set_cookie("lang", cookie)
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get(path, headers=headers)
    return response, Page(response.get_data(as_text=True))


def test_italian_when_the_browser_names_no_language(client):
    response, page = get(client, "/")
    assert page.lang == "it"
    assert HOME_IT in response.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["en", "en-GB,en;q=0.9", "fr-FR,fr;q=0.9,en;q=0.5"])
def test_english_when_the_browser_asks_for_it(client, accept):
    response, page = get(client, "/", accept=accept)
    assert page.lang == "en"
    assert HOME_EN in response.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["fr", "de-DE,de;q=0.9", "it-IT,it;q=0.9,en;q=0.8", "*"])
def test_italian_when_the_browser_asks_for_neither_or_prefers_it(client, accept):
    response, page = get(client, "/", accept=accept)
    assert page.lang == "it"
    assert HOME_IT in response.get_data(as_text=True)


@pytest.mark.parametrize("cookie, accept, lang", [("en", "it", "en"), ("it", "en", "it")])
def test_the_chosen_language_wins_over_the_browser(client, cookie, accept, lang):
    response, page = get(client, "/", accept=accept, cookie=cookie)
    assert page.lang == lang
    assert (HOME_EN if lang == "en" else HOME_IT) in response.get_data(as_text=True)


def test_answers_say_they_depend_on_the_language_asked(client):
    response, _ = get(client, "/", accept="en")
    assert {"Accept-Language", "Cookie"} <= set(response.vary)


def test_an_unknown_language_in_the_cookie_is_ignored(client):
    _, page = get(client, "/", accept="en", cookie="de")
    assert page.lang == "en"


@pytest.mark.parametrize("accept, lang", [(None, "it"), ("en", "en")])
@pytest.mark.parametrize("path", ["/", "/staff/login", "/no-such-page"])
def test_every_page_says_its_language(client, path, accept, lang):
    _, page = get(client, path, accept=accept)
    assert page.lang == lang


def test_the_switch_remembers_the_choice_and_goes_back(client):
    response, page = get(client, "/staff/login?next=/staff/")
    assert page.lang == "it"
    switch = page.first("a", hreflang="en")
    assert switch["lang"] == "en"
    assert page.first("span", lang="it")["aria-current"] == "true"  # the current one says so

    answer = client.get(switch["href"])
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/staff/login?next=/staff/"
    cookie = client.get_cookie("lang")
    assert cookie.value == "en" and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.expires is not None  # remembered beyond this visit

    response, page = get(client, "/staff/login?next=/staff/")  # no Accept-Language at all
    assert page.lang == "en"
    assert "Staff sign in" in response.get_data(as_text=True)
    back = page.first("a", hreflang="it")
    client.get(back["href"])
    assert get(client, "/")[1].lang == "it"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_the_switch_goes_back_only_to_our_own_pages(client, target):
    response = client.get("/lingua/en", query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get_cookie("lang").value == "en"


def test_the_switch_without_next_goes_home(client):
    response = client.get("/lingua/en")
    assert response.headers["Location"] == "/"


def test_the_switch_to_an_unknown_language_chooses_italian(client):
    client.get("/lingua/xx?next=/")
    assert client.get_cookie("lang").value == "it"
    assert get(client, "/", accept="en")[1].lang == "it"


def test_the_not_found_page_is_translated(client):
    response, page = get(client, "/no-such-page")
    assert response.status_code == 404
    assert "Questa pagina non esiste, o non esiste più." in response.get_data(as_text=True)
    assert "Torna alla pagina iniziale" in response.get_data(as_text=True)
    response, page = get(client, "/no-such-page", accept="en")
    assert response.status_code == 404
    assert "This page does not exist, or no longer exists." in response.get_data(as_text=True)


def test_form_errors_are_translated(client):
    response = client.post("/staff/login", data={"email": "not an email", "password": ""})
    text = response.get_data(as_text=True)
    assert "Inserisci un indirizzo email valido." in text
    assert "Inserisci la password." in text


# No page loads anything from another host.

PAGES = ["/", "/staff/login", "/no-such-page"]


def _foreign(url: str, own_host: str) -> bool:
    """Whether the URL names a host, and one not ours (data: and relative URLs name none)."""
    host = urlsplit(url.strip()).netloc
    return bool(host) and host != own_host


@pytest.mark.parametrize("accept", [None, "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_page_refers_to_another_host(client, path, accept):
    response, page = get(client, path, accept=accept)
    references = [
        (tag, name, value)
        for tag, attrs in page.elements
        for name, value in attrs.items()
        if name in {"src", "href", "action", "srcset", "poster", "data"} and value
    ]
    assert any(tag == "link" for tag, _, _ in references)  # the parser did find them
    foreign = [r for r in references if _foreign(r[2], "localhost")]
    assert foreign == []


def test_no_stylesheet_loads_from_another_host(client):
    _, page = get(client, "/")
    sheets = [a["href"] for t, a in page.elements if t == "link" and a.get("rel") == "stylesheet"]
    assert len(sheets) >= 3
    for href in sheets:
        response = client.get(href)
        assert response.status_code == 200, f"{href} is not served (run `make assets`)"
        css = response.get_data(as_text=True)
        imports = re.findall(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)", css)
        urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
        foreign = [u for u in imports + urls if _foreign(u, "localhost")]
        assert foreign == [], f"{href} loads {foreign}"


def test_the_fonts_are_served_here(client):
    css = client.get("/static/css/fonts.css").get_data(as_text=True)
    fonts = re.findall(r"url\(\"\.\./([^\"]+)\"\)", css)
    assert len(fonts) == 5
    for font in fonts:
        assert client.get(f"/static/{font}").status_code == 200, font


# The Italian catalogue


def _italian():
    with ITALIAN_PO.open("rb") as f:
        return read_po(f, locale="it")


def test_the_italian_catalogue_has_no_untranslated_or_fuzzy_message():
    catalogue = _italian()
    untranslated = [
        m.id
        for m in catalogue
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue) > 50


def test_the_italian_translations_keep_the_placeholders():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _italian().check()]
    assert problems == []


def test_every_message_in_the_code_is_in_the_italian_catalogue():
    """A message added to the code but not to the catalogue would show in English to
    Italian visitors: refresh the catalogue as babel.cfg says, and translate."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    in_code = {
        (message if isinstance(message, str) else message[0], path)
        for path, _line, message, _comments, _context in extract_from_dir(
            ROOT,
            method_map,
            options_map,
            keywords,
            directory_filter=lambda d: (
                not any(
                    part in {".venv", "node_modules", "static", ".git"} for part in d.split("/")
                )
            ),
        )
    }
    assert len(in_code) > 50
    catalogue = _italian()
    missing = sorted(f"{path}: {msgid!r}" for msgid, path in in_code if msgid not in catalogue)
    assert missing == []
