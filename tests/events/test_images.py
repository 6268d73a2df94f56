"""Event pictures are uploaded, not typed as a path: the type read from the content, the size
limited, re-encoded with Pillow, stored under a random name, the description required."""

import io

import pytest
from PIL import Image
from sqlalchemy import select

from centrale_booking.auth.models import Role
from centrale_booking.events.models import Event
from centrale_booking.extensions import db
from tests.events.test_staff import event_form, field_error
from tests.helpers import count, sign_in


@pytest.fixture
def app_config(tmp_path):
    return {"EVENT_IMAGE_DIR": str(tmp_path / "images"), "EVENT_IMAGE_MAX_BYTES": 200_000}


def picture(kind="PNG", size=(2400, 1200), exif=False) -> bytes:
    image = Image.new("RGBA" if kind == "PNG" else "RGB", size, (0, 90, 160, 255))
    out = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make; a phone adds GPS the same way
        image.save(out, kind, exif=tags)
    else:
        image.save(out, kind)
    return out.getvalue()


def upload(client, content: bytes, filename="foto.png", **fields):
    data = event_form(image_alt_it="Il palco tra le pompe", **fields)
    data["image_file"] = (io.BytesIO(content), filename)
    return client.post("/staff/eventi/nuovo", data=data, content_type="multipart/form-data")


def test_an_uploaded_picture_is_reencoded_and_stored_under_a_random_name(client, app, tmp_path):
    sign_in(client, Role.education)
    response = upload(client, picture("PNG"), filename="../../etc/passwd.png", publish="y")
    assert response.status_code == 303
    event = db.session.scalar(select(Event))
    assert event.image.startswith("uploads/") and "passwd" not in event.image
    stored = tmp_path / "images" / event.image.removeprefix("uploads/")
    with Image.open(stored) as saved:
        assert saved.format == "JPEG" and max(saved.size) == 1600
    page = client.get(f"/eventi/{event.id}").get_data(as_text=True)
    url = f"/eventi/immagini/{stored.name}"
    assert url in page and 'alt="Il palco tra le pompe"' in page
    served = client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_what_the_file_carried_is_dropped(client, app, tmp_path):
    sign_in(client, Role.education)
    upload(client, picture("JPEG", size=(400, 300), exif=True), filename="foto.jpg")
    (stored,) = (tmp_path / "images").iterdir()
    with Image.open(stored) as saved:
        assert not saved.getexif()


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.svg"),
        (b"GIF89a not really", "a.png"),  # the name says png, the content does not
        (b"%PDF-1.7 a document", "a.jpg"),
        (picture("PNG")[:200], "cut.png"),  # truncated on the way
    ],
)
def test_what_is_not_a_picture_is_refused_beside_the_field(client, app, content, filename):
    sign_in(client, Role.education)
    response = upload(client, content, filename=filename)
    assert response.status_code == 422 and count(Event) == 0
    assert "JPEG, PNG o WebP" in field_error(response, "image_file")


def test_a_picture_too_large_is_refused(client, app):
    sign_in(client, Role.education)
    noise = Image.effect_noise((800, 800), 100).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 200_000
    response = upload(client, out.getvalue())
    assert response.status_code == 422 and "troppo grande" in field_error(response, "image_file")


def test_a_picture_needs_its_description(client, app, tmp_path):
    sign_in(client, Role.education)
    data = event_form(image_alt_it="")
    data["image_file"] = (io.BytesIO(picture("PNG", size=(300, 200))), "foto.png")
    response = client.post("/staff/eventi/nuovo", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and field_error(response, "image_alt_it")
    # kept for the second try: the form carries the stored picture, not asked again
    assert 'name="image" type="hidden" value="uploads/' in response.get_data(as_text=True)


def test_a_picture_can_be_removed(client, app):
    sign_in(client, Role.education)
    upload(client, picture("PNG", size=(300, 200)))
    event = db.session.scalar(select(Event))
    data = event_form(image=event.image, remove_image="y", image_alt_it="")
    assert client.post(f"/staff/eventi/{event.id}/modifica", data=data).status_code == 303
    db.session.expire_all()
    assert event.image == ""


def test_an_unknown_picture_is_a_404(client, app):
    assert client.get("/eventi/immagini/nessuna.jpg").status_code == 404
    assert client.get("/eventi/immagini/..%2F..%2Fconfig.py").status_code == 404
