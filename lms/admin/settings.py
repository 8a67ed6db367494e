"""Center settings (admins): names, header, signer, numbering, check-in times, signature image."""

import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lms.core.actors import Actor, require
from lms.core.audit import record
from lms.core.models import CenterSettings
from lms.core.settings import check_register_format, settings_for_update
from lms.core.text import nfc
from lms.errors import DomainError
from lms.extensions import db

IMAGE_FORMATS = ["PNG", "JPEG", "WEBP", "GIF"]
MAX_SOURCE_PIXELS = 25_000_000  # refused before decoding: a 5000 × 5000 scan is plenty
MAX_SIDE = 1200  # stored size: a signature or seal prints at a few centimetres
LIMITS = {
    "checkin_opens_minutes": (0, 24 * 60),
    "checkin_late_after_minutes": (0, 24 * 60),
    "lock_after_hours": (0, 24 * 31),
}
TEXTS = ("parent_body", "center_name", "place", "signer_title", "signer_name")
FIELDS = (*TEXTS, "header_kind", "register_format", *LIMITS)


@dataclass
class SettingsData:
    parent_body: str
    center_name: str
    header_kind: str
    place: str
    signer_title: str
    signer_name: str
    register_format: str
    checkin_opens_minutes: int
    checkin_late_after_minutes: int
    lock_after_hours: int


ADMINS_ONLY = _l("Only administrators change the center settings.")


def update_settings(data: SettingsData, *, actor: Actor) -> CenterSettings:
    """Check and store the settings; every field is validated before anything changes."""
    require(actor, "admin", message=ADMINS_ONLY)
    values: dict[str, object] = {}
    for name in TEXTS:
        value = nfc(getattr(data, name)) or ""
        if len(value) > 200:
            raise DomainError(_l("This text is too long (200 characters at most)."), field=name)
        values[name] = value
    if not values["center_name"]:
        raise DomainError(_l("The center name is required."), field="center_name")
    if data.header_kind not in ("party", "state"):
        raise DomainError(_l("Choose the kind of header."), field="header_kind")
    values["header_kind"] = data.header_kind
    values["register_format"] = check_register_format(data.register_format)
    for name, (low, high) in LIMITS.items():
        number = getattr(data, name)
        if not isinstance(number, int) or not low <= number <= high:
            raise DomainError(
                _l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high),
                field=name,
            )
        values[name] = number
    row = settings_for_update()
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        record("settings.update", row, actor=actor, details={"fields": sorted(changed)})
    db.session.flush()
    return row


def reencode_image(data: bytes) -> bytes:
    """A clean PNG from an uploaded image: decided by content, size-capped, metadata dropped."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    refused = DomainError(_l("The file is not an image (PNG, JPEG, WebP or GIF)."), field="image")
    if not data:
        raise refused
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # verify() refuses a truncated or corrupt file even though WeasyPrint switches
            # Pillow's LOAD_TRUNCATED_IMAGES on for the whole process.
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
                width, height = image.size
                if width * height > MAX_SOURCE_PIXELS:
                    raise DomainError(
                        _l("The image is too large (%(n)s megapixels at most).", n=25),
                        field="image",
                    )
                image.seek(0)  # the first frame of an animation
                image = ImageOps.exif_transpose(image).convert("RGBA")
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                # Rebuilt from raw pixels: no EXIF, ICC profile, text chunks or comments.
                clean = Image.frombytes("RGBA", image.size, image.tobytes())
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
    ):
        raise refused from None
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def set_signature(data: bytes, *, actor: Actor) -> CenterSettings:
    """Store the signature/seal image printed on certificates, as a re-encoded PNG."""
    require(actor, "admin", message=ADMINS_ONLY)
    png = reencode_image(data)
    row = settings_for_update()
    row.signature_png = png
    record("settings.signature", row, actor=actor, new_value=f"{len(png)} bytes")
    db.session.flush()
    return row


def remove_signature(*, actor: Actor) -> None:
    """Certificates print without a signature image from now on."""
    require(actor, "admin", message=ADMINS_ONLY)
    row = settings_for_update()
    if row.signature_png is not None:
        row.signature_png = None
        record("settings.signature", row, actor=actor, new_value="removed")
        db.session.flush()
