"""The summary above a refused campus form: one line per message, each naming its section
and field ("Child 2: First name: …", "Person 1 — …", "Week 2 — …"), as the shared
error_summary macro writes it, walking the nested forms (children, collectors, weeks)."""

from __future__ import annotations

import html
import re

from centrale_booking.auth.models import Role
from tests.campus.helpers import PARENT_CF, make_edition, wrong_check
from tests.campus.test_editions import edition_data
from tests.campus.test_pages import form_data
from tests.helpers import EN, sign_in


def summary(response) -> list[str]:
    """The summary's lines, as read; each a link to its field."""
    page = response.get_data(as_text=True)
    box = page[page.index('id="form-errors"') :]
    box = box[: box.index("</ul>")]
    links = re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', box, re.S)
    assert all(f'id="{target}"' in page for target, _text in links)  # each leads to its field
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for _target, text in links]


def _bad_enrolment(campus):
    return form_data(
        [s.id for s in campus.slots],
        **{
            "parent-tax_code": wrong_check(PARENT_CF),
            "children-0-birth_date": "2024-01-01",
            "children-1-first_name": "",
            "children-1-tax_code": "ABC",
            "delegates-0-document": "",
            "emergency_contact-phone": "",
            "consents-privacy": None,
        },
    )


def test_the_enrolment_summary_names_each_section_and_field_in_italian(app, client):
    campus = make_edition()
    response = client.post(f"/campus/{campus.id}/iscrivi", data=_bad_enrolment(campus))
    assert response.status_code == 422
    assert summary(response) == [
        "Genitore o tutore — Codice fiscale: L'ultimo carattere (il carattere di controllo) "
        "non corrisponde: controlla il codice.",
        "Giulia: Data di nascita: Giulia ha 2 anni lunedì 28 dicembre 2026, primo giorno della "
        "settimana 28 dicembre 2026 – 1 gennaio 2027: questo campus è per chi ha da 6 a 11 anni.",
        "Bambino o bambina 2: Nome: Indica il nome.",
        "Bambino o bambina 2: Codice fiscale (facoltativo): Il codice fiscale ha 16 caratteri.",
        "Persona 1 — Numero del documento d'identità: Indica il numero del suo documento "
        "d'identità.",
        "Contatto per le emergenze — Telefono: Indica un numero di telefono.",
        "Consensi — Possiamo accettare l'iscrizione solo con il tuo consenso.",
    ]


def test_the_enrolment_summary_names_each_section_and_field_in_english(app, client):
    campus = make_edition()
    response = client.post(f"/campus/{campus.id}/iscrivi", data=_bad_enrolment(campus), headers=EN)
    assert summary(response) == [
        "Parent or guardian — Codice fiscale: The last character (the check character) does "
        "not match: please check it.",
        "Giulia: Date of birth: Giulia is 2 on Monday 28 December 2026, the first day of the "
        "week 28 December 2026 – 1 January 2027: this campus is for children aged 6 to 11.",
        "Child 2: First name: Please give the first name.",
        "Child 2: Codice fiscale (optional): A codice fiscale has 16 characters.",
        "Person 1 — Identity document number: Please give the number of their identity document.",
        "Emergency contact — Phone: Please give a phone number.",
        "Consents — We can only take the enrolment with your consent.",
    ]


def test_the_edition_form_summary_names_each_week(app, client):
    sign_in(client, Role.education)
    bad = edition_data(
        **{"title_it": "", "weeks-0-last_day": "2027-06-10", "weeks-1-capacity": "0"}
    )
    italian = client.post("/staff/campus/nuova", data=bad)
    assert italian.status_code == 422
    assert summary(italian) == [
        "Titolo (italiano): Inserisci il titolo in italiano.",
        "Settimana 1 — Ultimo giorno: L'ultimo giorno deve essere uguale o successivo al primo.",
        "Settimana 2 — Posti (bambini e bambine): Da 1 a 500 bambini e bambine.",
    ]
    english = client.post("/staff/campus/nuova", data=bad, headers=EN)
    assert summary(english) == [
        "Title (Italian): Please give the title in Italian.",
        "Week 1 — Last day: The last day must be on or after the first.",
        "Week 2 — Places (children): Between 1 and 500 children.",
    ]
