"""Pictures uploaded by the staff, for every programme (an event's, an activity's): the type
read from the content (never the file name), the size limited, decoded and re-encoded with
Pillow (which drops whatever else the file carried: scripts in an SVG, EXIF with a phone's GPS
position, a polyglot's payload), stored under a random name in the instance folder and served
by the programme's own route."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED = {"JPEG", "PNG", "WEBP"}
LONGEST_SIDE = 1600  # pixels: sharp on a wide screen, light on a phone
UPLOADED = "uploads/"  # what a programme keeps of an uploaded picture: "uploads/<name>.jpg"


class ImageRefused(ValueError):
    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def image_folder(programme_folder: str = "") -> Path:
    """Where a programme's pictures are kept: EVENT_IMAGE_DIR (instance/images by default),
    then the programme's own folder ("" for the events, which came first; "schools")."""
    base = current_app.config["EVENT_IMAGE_DIR"] or Path(current_app.instance_path) / "images"
    folder = Path(base) / programme_folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def reencoded(stream) -> bytes:
    """The picture as a fresh JPEG, at most LONGEST_SIDE wide or high; ImageRefused when it is
    too large or not a JPEG, PNG or WebP picture."""
    limit = current_app.config["EVENT_IMAGE_MAX_BYTES"]  # one limit for every staff upload
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImageRefused(
            _l("The picture is too large: at most %(mb)s MB.", mb=limit // (1024 * 1024))
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()  # a truncated or corrupt file fails here
        if kind not in ACCEPTED:
            raise ImageRefused(_l("Please choose a JPEG, PNG or WebP picture."))
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            picture = ImageOps.exif_transpose(picture)  # as the phone held it, then no EXIF
            picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
            if picture.mode != "RGB":
                background = Image.new("RGB", picture.size, "white")  # transparency on white
                rgba = picture.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                picture = background
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=85, optimize=True)
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ImageRefused(_l("Please choose a JPEG, PNG or WebP picture.")) from None
    return out.getvalue()


def store(content: bytes, programme_folder: str = "") -> str:
    """Write the re-encoded picture under a random name; returns what the programme keeps
    (Event.image, ActivityImage.path)."""
    name = f"{secrets.token_urlsafe(16)}.jpg"  # random: never the uploader's file name
    (image_folder(programme_folder) / name).write_bytes(content)
    return UPLOADED + name
