"""Demo data: a believable season of the museum, from autumn 2026 to summer 2027.

`flask seed-demo` is idempotent: every programme is found by its slug and every staff account
by its email before anything is created, so running it twice changes nothing. Demo staff
passwords are random, written once to instance/demo-logins.txt (never in the code)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from .auth.models import Role, StaffUser
from .booking.models import Programme, Slot, Unit, WaitlistMode
from .campus.models import Audience, Campus, Season
from .clock import museum_zone
from .events.models import Category, Event, EventFormat
from .extensions import db, transaction
from .schools.models import (
    Activity,
    ActivityGrade,
    GradeLevel,
    School,
    SchoolClosure,
    SchoolYear,
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=museum_zone())


def weekdays(first: date, last: date, wanted: set[int], skip: list[tuple[date, date]]):
    """The dates from first to last whose weekday (Monday 0) is wanted, outside the skip ranges."""
    day = first
    while day <= last:
        if day.weekday() in wanted and not any(a <= day <= b for a, b in skip):
            yield day
        day += timedelta(days=1)


# School closures in Lombardy, 2026/27 (regional calendar), used to place school slots.
SCHOOL_CLOSURES = [
    (date(2026, 12, 7), date(2026, 12, 8)),  # Sant'Ambrogio, Immacolata
    (date(2026, 12, 23), date(2027, 1, 6)),  # Natale
    (date(2027, 2, 15), date(2027, 2, 20)),  # Carnevale ambrosiano
    (date(2027, 3, 25), date(2027, 3, 30)),  # Pasqua
    (date(2027, 4, 26), date(2027, 4, 26)),  # ponte del 25 aprile
    (date(2027, 6, 2), date(2027, 6, 2)),  # Festa della Repubblica
]

# #InCentrale: (title it, title en, category, format, partner, speakers, summary it, summary en)
EVENT_CYCLE = [
    (
        "Acqua e città: come Milano beve",
        "Water and the city: how Milan drinks",
        Category.talk,
        EventFormat.both,
        "Politecnico di Milano",
        "Docenti del Dipartimento di Ingegneria Civile e Ambientale",
        "Dalle falde ai rubinetti: il servizio idrico integrato raccontato da chi lo studia.",
        "From the aquifer to the tap: Milan's water service, told by those who study it.",
    ),
    (
        "Concerto d'acqua: musiche tra le pompe",
        "Water concert: music among the pumps",
        Category.concert,
        EventFormat.in_person,
        "Conservatorio di Milano",
        "Ensemble d'archi degli allievi del Conservatorio",
        "Un concerto nella sala delle pompe storiche della Centrale.",
        "A concert in the hall of the Centrale's historic pumps.",
    ),
    (
        "Cinema in Centrale: fiumi che raccontano",
        "Cinema at the Centrale: rivers that tell stories",
        Category.screening,
        EventFormat.in_person,
        "Cineteca Milano",
        "Introduzione a cura della Cineteca Milano",
        "Proiezione di un documentario sui fiumi d'Europa, con introduzione in sala.",
        "A documentary on Europe's rivers, introduced in the hall.",
    ),
    (
        "Laboratorio: analizziamo l'acqua di casa",
        "Workshop: testing the water from home",
        Category.workshop,
        EventFormat.in_person,
        "IRSA-CNR, Istituto di Ricerca sulle Acque",
        "Ricercatrici e ricercatori IRSA-CNR",
        "Porta una bottiglietta d'acqua del tuo rubinetto: la analizziamo insieme.",
        "Bring a small bottle of your tap water: we test it together.",
    ),
    (
        "Clima e siccità: cosa ci aspetta",
        "Climate and drought: what lies ahead",
        Category.talk,
        EventFormat.both,
        "Università degli Studi di Milano",
        "Climatologi dell'Università degli Studi di Milano",
        "Un incontro sulle estati più secche e su come si prepara una città.",
        "A talk on drier summers and how a city gets ready for them.",
    ),
    (
        "Storie d'acqua: letture ad alta voce",
        "Water stories: readings aloud",
        Category.talk,
        EventFormat.streaming,
        "BookCity Milano",
        "Autrici e autori di BookCity Milano",
        "Letture dedicate all'acqua, in diretta sui canali social del museo.",
        "Readings about water, live on the museum's social channels.",
    ),
]

ACTIVITIES = [
    (
        "il-viaggio-della-goccia",
        "Il viaggio della goccia",
        "The journey of a drop",
        {GradeLevel.infanzia},
        60,
        "Un racconto animato e un gioco per scoprire da dove viene l'acqua.",
        "An animated story and a game to find out where water comes from.",
        {0, 2},
    ),
    (
        "piccoli-scienziati-dell-acqua",
        "Piccoli scienziati dell'acqua",
        "Little water scientists",
        {GradeLevel.primaria},
        90,
        "Esperimenti semplici su galleggiamento, filtri e stati dell'acqua.",
        "Simple experiments on floating, filters and the states of water.",
        {1, 3},
    ),
    (
        "dalla-falda-al-rubinetto",
        "Dalla falda al rubinetto",
        "From the aquifer to the tap",
        {GradeLevel.primaria, GradeLevel.secondaria_primo},
        90,
        "Visita guidata alla Centrale: pozzi, pompe e il percorso dell'acqua potabile.",
        "A guided tour of the Centrale: wells, pumps and the path of drinking water.",
        {0, 4},
    ),
    (
        "milano-citta-d-acqua",
        "Milano città d'acqua: Navigli e acquedotto",
        "Milan, a city of water: canals and aqueduct",
        {GradeLevel.secondaria_primo, GradeLevel.secondaria_secondo},
        120,
        "La storia dei Navigli e dell'acquedotto milanese, con documenti d'archivio.",
        "The history of Milan's canals and aqueduct, with archive documents.",
        {1, 2},
    ),
    (
        "chimica-dell-acqua-potabile",
        "Chimica dell'acqua potabile",
        "The chemistry of drinking water",
        {GradeLevel.secondaria_secondo},
        120,
        "Laboratorio di analisi: durezza, pH, nitrati, e i controlli di MM.",
        "A lab on hardness, pH and nitrates, and how MM checks its water.",
        {3},
    ),
]

# Each activity's room, most pupils, and its text for each level: (it, en)
ACTIVITY_DETAILS = {
    "il-viaggio-della-goccia": (
        "Aula delle bolle",
        25,
        {
            GradeLevel.infanzia: (
                "Seguiamo Goccia, che cade dal cielo, entra nella terra e arriva fino al "
                "rubinetto di casa. Poi giochiamo a travasare, filtrare e far galleggiare.",
                "We follow Drop, who falls from the sky, sinks into the ground and reaches the "
                "tap at home. Then we play at pouring, filtering and floating.",
            ),
        },
    ),
    "piccoli-scienziati-dell-acqua": (
        "Laboratorio",
        26,
        {
            GradeLevel.primaria: (
                "A piccoli gruppi, bambine e bambini fanno esperimenti veri: cosa galleggia, "
                "come si pulisce l'acqua torbida con sabbia e ghiaia, ghiaccio e vapore.",
                "In small groups, children run real experiments: what floats, how sand and "
                "gravel clean muddy water, ice and steam.",
            ),
        },
    ),
    "dalla-falda-al-rubinetto": (
        "Sala pompe",
        28,
        {
            GradeLevel.primaria: (
                "Un viaggio sotto Milano: i pozzi, le grandi pompe e i tubi che portano "
                "l'acqua nelle case, raccontati con modellini da toccare.",
                "A journey under Milan: the wells, the big pumps and the pipes that carry "
                "water to every home, told with models to touch.",
            ),
            GradeLevel.secondaria_primo: (
                "La falda acquifera, il pompaggio e la potabilizzazione: come funziona il "
                "servizio idrico integrato di una grande città, con dati reali di MM.",
                "The aquifer, pumping and treatment: how a big city's water service works, "
                "with MM's real figures.",
            ),
        },
    ),
    "milano-citta-d-acqua": (
        "Sala delle mappe",
        30,
        {
            GradeLevel.secondaria_primo: (
                "Dai Navigli di Leonardo all'acquedotto del 1888: la città cambia con la sua "
                "acqua. Si lavora su mappe storiche e fotografie.",
                "From Leonardo's canals to the aqueduct of 1888: the city changes with its "
                "water. Work on historical maps and photographs.",
            ),
            GradeLevel.secondaria_secondo: (
                "Documenti d'archivio, delibere e progetti: le scelte che hanno portato "
                "l'acqua potabile a Milano, e i dibattiti di oggi sulla risorsa idrica.",
                "Archive documents, council decisions and plans: the choices that brought "
                "drinking water to Milan, and today's debates on water as a resource.",
            ),
        },
    ),
    "chimica-dell-acqua-potabile": (
        "Laboratorio",
        28,
        {
            GradeLevel.secondaria_secondo: (
                "Analisi di laboratorio su campioni d'acqua: durezza, pH, nitrati. Si "
                "confrontano i risultati con i controlli che MM fa ogni giorno.",
                "Lab analyses of water samples: hardness, pH, nitrates, compared with the "
                "checks MM runs every day.",
            ),
        },
    ),
}

# The school year of the demo: its booking window and the regional closures above.
SCHOOL_YEAR = 2026
SCHOOL_BOOKING_OPENS = (date(2026, 9, 15), 9)

# A few schools of the Ministry's registry (`flask schools import` loads the real file).
DEMO_SCHOOLS = [
    ("MIIC8AB00C", "IC Via Rossi", "MILANO", "Via Rossi 12", "miic8ab00c@istruzione.it"),
    ("MIEE8AB01D", "Scuola primaria Leonardo", "MILANO", "Via Vinci 3", ""),
    ("MIMM8CD00E", "Scuola secondaria Manzoni", "SESTO SAN GIOVANNI", "Piazza Manzoni 1", ""),
    ("MIPS12000F", "Liceo scientifico Volta", "MILANO", "Via Benedetto Marcello 7", ""),
    ("MIAA8EF00G", "Scuola dell'infanzia Arcobaleno", "MONZA", "Via dei Fiori 8", ""),
]

# (slug, season, title it, title en, weeks as (Monday or first day, last day), the schools'
# closure, who it is for: ages (min, max) or classes (first, last))
CAMPUSES = [
    (
        "campus-natale-2026",
        Season.christmas,
        "Campus di Natale 2026",
        "Christmas campus 2026",
        [(date(2026, 12, 28), date(2026, 12, 31)), (date(2027, 1, 4), date(2027, 1, 5))],
        (date(2026, 12, 23), date(2027, 1, 6)),
        ("ages", 6, 11),
    ),
    (
        "campus-pasqua-2027",
        Season.easter,
        "Campus di Pasqua 2027",
        "Easter campus 2027",
        [(date(2027, 3, 25), date(2027, 3, 26)), (date(2027, 3, 30), date(2027, 3, 31))],
        (date(2027, 3, 25), date(2027, 3, 30)),
        ("ages", 6, 11),
    ),
    (
        "campus-estate-2027",
        Season.summer,
        "Campus d'estate 2027",
        "Summer campus 2027",
        [
            (date(2027, 6, 14) + timedelta(weeks=n), date(2027, 6, 18) + timedelta(weeks=n))
            for n in range(7)
        ]
        + [(date(2027, 8, 30), date(2027, 9, 3))],
        (date(2027, 6, 9), date(2027, 9, 10)),
        ("classes", "P1", "P5"),
    ),
]

CAMPUS_BRING_IT = (
    "Zainetto con borraccia, merenda per metà mattina, cappellino, un cambio completo e "
    "scarpe comode. Il pranzo è a cura del museo."
)
CAMPUS_BRING_EN = (
    "A small backpack with a water bottle, a mid-morning snack, a cap, a change of clothes and "
    "comfortable shoes. Lunch is provided by the museum."
)

STAFF = [
    ("admin@centrale.example", "Amministrazione", Role.admin),
    ("didattica@centrale.example", "Servizi educativi", Role.education),
    ("accoglienza@centrale.example", "Accoglienza", Role.desk),
]


def logins_file() -> Path:
    return Path(current_app.instance_path) / "demo-logins.txt"


@click.command("seed-demo", help="Create the demo season once; running it again changes nothing.")
def seed_demo():
    created = _seed_staff() + _seed_events() + _seed_activities() + _seed_campuses()
    created += _seed_desk_day()
    click.echo(f"Demo data: {created} created." if created else "Demo data: already there.")


@click.command("demo-logins", help="Print the demo staff logins.")
def demo_logins():
    path = logins_file()
    if path.exists():
        click.echo("Demo staff logins (from instance/demo-logins.txt):")
        click.echo(path.read_text().rstrip())
    else:
        click.echo("No demo logins: run `flask seed-demo`.")


def _has(model, slug: str) -> bool:
    return db.session.scalar(select(model.id).where(model.slug == slug)) is not None


def _seed_staff() -> int:
    created = {}
    with transaction():
        for email, name, role in STAFF:
            if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
                continue
            password = secrets.token_urlsafe(9)
            user = StaffUser(email=email, name=name, role=role)
            user.set_password(password)
            db.session.add(user)
            created[email] = f"  {role.value:<10} {email}  {password}"
    if created:
        # One line per account, the newest password winning (a database made anew
        # makes new passwords).
        path = logins_file()
        lines = path.read_text().splitlines() if path.exists() else []
        kept = {line.split()[1]: line for line in lines if len(line.split()) == 3}
        path.write_text("\n".join({**kept, **created}.values()) + "\n")
        path.chmod(0o600)
    return len(created)


def _seed_events() -> int:
    thursdays = list(
        weekdays(
            date(2026, 10, 1),
            date(2027, 6, 24),
            {3},
            [(date(2026, 12, 24), date(2027, 1, 6)), (date(2027, 4, 1), date(2027, 4, 1))],
        )
    )
    created = 0
    with transaction():
        for n, day in enumerate(thursdays):
            slug = f"incentrale-{day.isoformat()}"
            if _has(Programme, slug):
                continue
            title_it, title_en, category, fmt, partner, speakers, sum_it, sum_en = EVENT_CYCLE[
                n % len(EVENT_CYCLE)
            ]
            streaming_only = fmt is EventFormat.streaming
            event = Event(
                slug=slug,
                title_it=title_it,
                title_en=title_en,
                summary_it=sum_it,
                summary_en=sum_en,
                description_it=f"{sum_it} In collaborazione con {partner}.",
                description_en=f"{sum_en} In partnership with {partner}.",
                category=category,
                format=fmt,
                room="" if streaming_only else "Sala delle pompe",
                speakers=speakers,
                partners=partner,
                stream_url=""
                if fmt is EventFormat.in_person
                else "https://www.youtube.com/@MMSpAMilano",
                published=True,
                unit=Unit.seats,
                max_per_booking=4,
                waitlist_mode=WaitlistMode.confirm,
                cancel_deadline_hours=2,
            )
            starts = at(day, 18, 30)
            event.slots = [
                Slot(
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=90),
                    capacity=500 if streaming_only else 99,
                    opens_at=starts - timedelta(days=30),
                )
            ]
            db.session.add(event)
            created += 1
    return created


def _seed_activities() -> int:
    created = _seed_school_year() + _seed_schools()
    opens_day, opens_hour = SCHOOL_BOOKING_OPENS
    opens_at = at(opens_day, opens_hour)
    with transaction():
        for slug, title_it, title_en, grades, minutes, sum_it, sum_en, days in ACTIVITIES:
            if _has(Programme, slug):
                continue
            room, max_pupils, texts = ACTIVITY_DETAILS[slug]
            activity = Activity(
                slug=slug,
                title_it=title_it,
                title_en=title_en,
                summary_it=sum_it,
                summary_en=sum_en,
                description_it=sum_it,
                description_en=sum_en,
                duration_minutes=minutes,
                room=room,
                max_pupils=max_pupils,
                published=True,
                unit=Unit.classes,
                max_per_booking=1,
                waitlist_mode=WaitlistMode.none,  # a full slot shows the nearest free ones
                cancel_deadline_hours=current_app.config["SCHOOL_CANCEL_DAYS"] * 24,
            )
            activity.grade_rows = [
                ActivityGrade(grade=level, text_it=texts[level][0], text_en=texts[level][1])
                for level in sorted(grades)
            ]
            for day in weekdays(date(2026, 12, 1), date(2027, 5, 28), days, SCHOOL_CLOSURES):
                for hour, minute in ((9, 30), (11, 15)):
                    starts = at(day, hour, minute)
                    activity.slots.append(
                        Slot(
                            starts_at=starts,
                            ends_at=starts + timedelta(minutes=minutes),
                            capacity=1,
                            opens_at=opens_at,
                            closes_at=starts - timedelta(days=3),
                        )
                    )
            db.session.add(activity)
            created += 1
    return created


def _seed_school_year() -> int:
    if db.session.get(SchoolYear, SCHOOL_YEAR) is not None:
        return 0
    opens_day, opens_hour = SCHOOL_BOOKING_OPENS
    with transaction():
        year = SchoolYear(start=SCHOOL_YEAR, booking_opens_at=at(opens_day, opens_hour))
        year.closures = [SchoolClosure(first_day=a, last_day=b) for a, b in SCHOOL_CLOSURES]
        db.session.add(year)
    return 1


def _seed_schools() -> int:
    created = 0
    with transaction():
        for code, name, city, address, email in DEMO_SCHOOLS:
            if db.session.get(School, code) is None:
                db.session.add(
                    School(code=code, name=name, city=city, address=address, email=email)
                )
                created += 1
    return created


def _seed_campuses() -> int:
    created = 0
    with transaction():
        for slug, season, title_it, title_en, weeks, closure, audience in CAMPUSES:
            if _has(Programme, slug):
                continue
            by_class = audience[0] == "classes"
            campus = Campus(
                slug=slug,
                season=season,
                title_it=title_it,
                title_en=title_en,
                summary_it=(
                    "Giornate di gioco, esperimenti e scoperta dell'acqua, dalle 8:30 alle 16:30."
                ),
                summary_en="Days of play, experiments and discovering water, 8:30 to 16:30.",
                closure_starts=closure[0],
                closure_ends=closure[1],
                audience=Audience.classes if by_class else Audience.ages,
                min_age=6,
                max_age=11,
                min_class=audience[1] if by_class else None,
                max_class=audience[2] if by_class else None,
                closed_days=[date(2027, 1, 1).isoformat()],
                fee_it="90 € a settimana per bambino (pranzo incluso)",
                fee_en="€90 a week per child (lunch included)",
                bring_it=CAMPUS_BRING_IT,
                bring_en=CAMPUS_BRING_EN,
                leave_alone_min_age=10,
                published=True,
                unit=Unit.children,
                max_per_booking=4,
                waitlist_mode=WaitlistMode.offer,
                offer_hours=48,
                cancel_deadline_hours=7 * 24,
            )
            for first, last in weeks:
                campus.slots.append(
                    Slot(
                        starts_at=at(first, 8, 30),
                        ends_at=at(last, 16, 30),
                        capacity=25,
                        opens_at=at(first, 9) - timedelta(days=60),
                        closes_at=at(first, 12) - timedelta(days=7),
                    )
                )
            db.session.add(campus)
            created += 1
    return created


DESK_GUESTS = [
    ("Giulia Rossi", 2),
    ("Marco Bianchi", 1),
    ("Sara Esposito", 3),
    ("Luca Romano", 2),
    ("Chiara Colombo", 1),
    ("Paolo Ricci", 4),
    ("Anna Marino", 2),
    ("Davide Greco", 1),
]


def _seed_desk_day() -> int:
    """Something for the desk to scan on the day the demo runs: an evening #InCentrale event
    today with a few bookings, two classes in the morning and, during a campus week, two
    families' children (their tickets in instance/mail/, and on the board). Once per day:
    run again the same day, it changes nothing."""
    from .clock import today

    day = today()
    return _seed_desk_event(day) + _seed_desk_classes(day) + _seed_desk_campus(day)


def _seed_desk_event(day: date) -> int:
    from .booking.engine import Contact, request_booking

    slug = f"incentrale-oggi-{day.isoformat()}"
    if _has(Programme, slug):
        return 0
    starts = at(day, 20, 30)
    with transaction():
        event = Event(
            slug=slug,
            title_it="Concerto d'acqua (demo dell'accoglienza)",
            title_en="Water concert (front desk demo)",
            summary_it="Una serata di prova per l'accoglienza: scansiona i biglietti di oggi.",
            summary_en="A trial evening for the front desk: scan today's tickets.",
            category=Category.concert,
            format=EventFormat.in_person,
            room="Sala delle pompe",
            partners="MM S.p.A.",
            published=True,
            max_per_booking=4,
        )
        event.slots = [Slot(starts_at=starts, ends_at=starts + timedelta(minutes=90), capacity=60)]
        db.session.add(event)
    for n, (name, seats) in enumerate(DESK_GUESTS):
        with transaction():
            request_booking(
                event.slots[0],
                seats,
                Contact(name=name, email=f"ospite{n + 1}@example.org", language="it"),
                now=starts - timedelta(days=1),
            )
    return 1 + len(DESK_GUESTS)


# Two classes for the desk's morning: (time, class, pupils, adults, support teachers).
DESK_CLASSES = [((9, 30), "3B", 24, 2, 1), ((11, 15), "5A", 21, 2, 0)]


def _seed_desk_classes(day: date) -> int:
    """A visit for the desk's demo today, at 9:30 and 11:15, each booked by a class."""
    from .booking.engine import Contact
    from .schools.rules import ClassDetails
    from .schools.service import book_class, confirm_class

    slug = f"visita-oggi-{day.isoformat()}"
    if _has(Programme, slug):
        return 0
    with transaction():
        activity = Activity(
            slug=slug,
            title_it="La goccia in viaggio (demo dell'accoglienza)",
            title_en="The travelling drop (front desk demo)",
            summary_it="Una mattina di prova per l'accoglienza: due classi da accogliere.",
            summary_en="A trial morning for the front desk: two classes to welcome.",
            duration_minutes=90,
            room="Aula delle bolle",
            max_pupils=30,
            published=True,
            unit=Unit.classes,
            max_per_booking=1,
            waitlist_mode=WaitlistMode.none,
        )
        activity.grade_rows = [
            ActivityGrade(grade=GradeLevel.primaria, text_it="Per la primaria.", text_en="")
        ]
        for (hour, minute), *_ in DESK_CLASSES:
            starts = at(day, hour, minute)
            activity.slots.append(
                Slot(starts_at=starts, ends_at=starts + timedelta(minutes=90), capacity=1)
            )
        db.session.add(activity)
    school_code, school, city, address, email = DEMO_SCHOOLS[0]
    for n, (slot, (_, class_name, pupils, adults, support)) in enumerate(
        zip(activity.slots, DESK_CLASSES, strict=True)
    ):
        details = ClassDetails(
            # A code of the day's own: the demo's classes never use up a real school's turns.
            school_code=f"DM{day:%y%m%d}{n}A",
            school_name=school,
            city=city,
            class_name=class_name,
            grade=GradeLevel.primaria,
            years=(int(class_name[0]),),
            pupils=pupils,
            adults=adults,
            pupils_with_disabilities=support,
            support_teachers=support,
            school_address=address,
        )
        contact = Contact(name="Maria Verdi", email=email or "docente@example.org", language="it")
        booked_at = slot.starts_at - timedelta(days=7)
        with transaction():  # as a teacher does: booked, then confirmed from the email's link
            booking = book_class(slot, details, contact, now=booked_at)
        with transaction():
            confirm_class(booking, now=booked_at + timedelta(minutes=5))
    return 1 + len(DESK_CLASSES)


def _seed_desk_campus(day: date) -> int:
    """During a campus week: two families' children today (one with allergies, one pair of
    brothers and sisters), for check-in and check-out at the desk."""
    from stdnum.it import codicefiscale

    from .campus.service import ChildData, Enrolment, PersonData, enrol

    week = db.session.scalar(
        select(Slot)
        .join(Campus, Campus.id == Slot.programme_id)
        .where(Slot.starts_at <= at(day, 23, 59), Slot.ends_at >= at(day, 0, 0))
        .order_by(Slot.starts_at)
        .limit(1)
    )
    marker = f"famiglia-{day.isoformat()}"
    if week is None or _has_family(marker):
        return 0
    campus = week.programme
    families = [
        ("Laura Bianchi", "BNCLRA80A41F205", [("Giulia", "2018-03-14", "arachidi", False)]),
        (
            "Paolo Conti",
            "CNTPLA79B12F205",
            [("Marco", "2015-06-02", "", True), ("Sofia", "2019-01-20", "", False)],
        ),
    ]
    for n, (parent, tax15, children) in enumerate(families):
        last_name = parent.split()[-1]
        enrolment = Enrolment(
            parent_name=parent,
            parent_tax_code=tax15 + codicefiscale.calc_check_digit(tax15),
            parent_email=f"{marker}-{n + 1}@example.org",
            parent_phone="+39 333 1234567",
            children=[
                ChildData(
                    first_name=first,
                    last_name=last_name,
                    birth_date=date.fromisoformat(born),
                    allergies=allergies,
                    leave_alone=alone,
                )
                for first, born, allergies, alone in children
            ],
            delegates=[
                PersonData(parent, "genitore", "CA1234567"),
                PersonData(f"Anna {last_name}", "nonna", "AX9876543"),
            ],
            emergency_name=f"Luisa {last_name}",
            emergency_phone="+39 02 123456",
            health_consent=True,
            photo_consent=False,
            siblings_together=True,
            language="it",
            week_ids=[week.id],
        )
        with transaction():
            enrol(campus, enrolment, now=(week.closes_at or week.starts_at) - timedelta(days=1))
    return len(families)


def _has_family(marker: str) -> bool:
    from .campus.models import CampusFamily

    return (
        db.session.scalar(
            select(CampusFamily.id).where(CampusFamily.parent_email.like(f"{marker}-%"))
        )
        is not None
    )
