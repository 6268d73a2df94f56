"""What several test files need: a page read back, a staff member signed in, the PDF read by
poppler and zbar, and a few questions to the database."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from centrale_booking.auth.models import Role, StaffUser
from centrale_booking.extensions import db, transaction
from centrale_booking.outbox.models import OutboxMessage
from tests.factories import STAFF_PASSWORD

EN = {"Accept-Language": "en"}


# Pages ------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """A page read back: each element with an id, by that id (its tag, attributes and text), and
    every element in order, each as (tag, attributes)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.elements: list[tuple[str, dict]] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        element = {"tag": tag, **dict(attrs), "text": ""}
        if element.get("id"):
            self.by_id[element["id"]] = element
        if tag not in {"input", "meta", "link", "br", "img"}:
            self._open.append(element)

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def first(self, tag: str, **attrs) -> dict:
        """The attributes of the first such element (`class_` for `class`)."""
        return next(
            a
            for t, a in self.elements
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        )

    @property
    def lang(self) -> str:
        return self.first("html")["lang"]


# Staff ------------------------------------------------------------------------------------------


def sign_in(client, role: Role) -> StaffUser:
    """Signed in as a staff member of this role (the login form has its own tests; no
    password here, hashing one costs more than most of these tests)."""
    user = StaffUser(email=f"{role.value}@centrale.test", role=role, password_hash="!")
    with transaction():
        db.session.add(user)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # "id:session token", as login_user keeps it
        session["_fresh"] = True
    return user


def log_in(client, email, password=STAFF_PASSWORD, query="", headers=EN):
    """The login form, filled in and sent."""
    return client.post(
        f"/staff/login{query}", data={"email": email, "password": password}, headers=headers
    )


def signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


# PDF and QR, read by poppler and zbar ----------------------------------------------------------

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="pdftotext and pdfimages (poppler-utils) not installed"
)


def run(tool: str, *args: str, **options) -> str:
    """A poppler or zbar tool's output; the tools and their arguments are the test's own."""
    options.setdefault("check", True)
    done = subprocess.run([shutil.which(tool), *args], capture_output=True, **options)  # noqa: S603
    return done.stdout.decode()


def pdf_text(content: bytes) -> str:
    return run("pdftotext", "-layout", "-", "-", input=content)


def pdf_image_count(content: bytes) -> int:
    return len(run("pdfimages", "-list", "-", input=content).splitlines()) - 2  # the header


def pdf_links(content: bytes) -> list[str]:
    return [
        line.split()[-1] for line in run("pdfinfo", "-url", "-", input=content).splitlines()[1:]
    ]


def decoded_qr_codes(content: bytes, folder) -> list[str] | None:
    """The QR codes on the PDF's first page, read back by zbarimg; None when not installed."""
    if not shutil.which("zbarimg") or not shutil.which("pdftoppm"):
        return None
    (folder / "page.pdf").write_bytes(content)
    run("pdftoppm", "-r", "150", "-png", "-singlefile", "page.pdf", "page", cwd=folder)
    return sorted(run("zbarimg", "--quiet", "--raw", str(folder / "page.png"), check=False).split())


# The database -----------------------------------------------------------------------------------


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refreshed(obj):
    db.session.refresh(obj)
    return obj


def email_kinds(booking) -> list[str]:
    """The kinds of the messages queued for a booking, oldest first."""
    return [
        m.kind
        for m in db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.booking_id == booking.id)
            .order_by(OutboxMessage.id)
        )
    ]
