"""Center settings: validated values, the register-number format, the signature image."""

import io
from dataclasses import asdict

import pytest
from PIL import Image, PngImagePlugin

from lms.admin import settings as services
from lms.core.models import CenterSettings
from lms.core.settings import (
    check_register_format,
    format_register_number,
    get_settings,
    settings_for_update,
)
from lms.errors import DomainError
from lms.extensions import db


def data(**overrides) -> services.SettingsData:
    values = {
        "parent_body": "QUẬN ỦY HOÀNG MAI",
        "center_name": "TRUNG TÂM BỒI DƯỠNG CHÍNH TRỊ",
        "header_kind": "state",
        "place": "Quận Hoàng Mai",
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Nguye\u0302\u0303n Thế Thạch",
        "register_format": "{seq:04d}/{year}/GCN",
        "checkin_opens_minutes": 30,
        "checkin_late_after_minutes": 10,
        "lock_after_hours": 48,
    }
    values.update(overrides)
    return services.SettingsData(**values)


def png(size=(40, 20), mode="RGBA", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 128).save(out, format="PNG", **save)
    return out.getvalue()


def test_reading_settings_gives_defaults_without_writing(app):
    assert db.session.get(CenterSettings, 1) is None
    row = get_settings()
    assert row.header_kind == "party"
    assert row.register_format == "{seq:04d}/{year}/GCN"
    assert row.checkin_opens_minutes == 30
    assert db.session.get(CenterSettings, 1) is None  # nothing written by a read


def test_settings_for_update_creates_the_row_once(app):
    row = settings_for_update()
    assert row.header_kind == "party"
    assert settings_for_update() is row
    assert db.session.get(CenterSettings, 1) is row


def test_update_settings_stores_nfc_values(make):
    admin = make.admin()
    row = services.update_settings(data(), actor=admin)
    assert row.signer_name == "Nguyễn Thế Thạch"
    assert row.header_kind == "state"
    assert format_register_number(row.register_format, seq=7, year=2026) == "0007/2026/GCN"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"register_format": "GCN-{seq}"}, "register_format"),
        ({"register_format": "{year}/{n}"}, "register_format"),
        ({"register_format": "{seq.__class__}/{year}"}, "register_format"),
        ({"register_format": "{seq:d/{year}"}, "register_format"),
        ({"register_format": "{seq:x>60}/{year}"}, "register_format"),
        ({"header_kind": "royal"}, "header_kind"),
        ({"center_name": " "}, "center_name"),
        ({"lock_after_hours": -1}, "lock_after_hours"),
        ({"checkin_opens_minutes": 100_000}, "checkin_opens_minutes"),
    ],
)
def test_update_settings_refuses_bad_values_and_changes_nothing(make, overrides, field):
    admin = make.admin()
    services.update_settings(data(), actor=admin)
    with pytest.raises(DomainError) as caught:
        services.update_settings(data(signer_name="Someone Else", **overrides), actor=admin)
    assert caught.value.field == field
    assert get_settings().signer_name == "Nguyễn Thế Thạch"


def test_register_format_message_is_clear(app):
    with pytest.raises(DomainError) as caught:
        check_register_format("GCN-{seq}")
    assert "phải có cả {seq} và {year}" in str(caught.value.message)


def test_signature_is_reencoded_without_metadata(make):
    admin = make.admin()
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret author")
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    upload = png(size=(3000, 1000), pnginfo=info, exif=exif)
    assert b"secret" in upload
    row = services.set_signature(upload, actor=admin)
    stored = Image.open(io.BytesIO(row.signature_png))
    assert stored.format == "PNG"
    assert max(stored.size) == services.MAX_SIDE  # scaled down, proportions kept
    assert stored.size == (1200, 400)
    assert b"secret" not in row.signature_png
    services.remove_signature(actor=admin)
    assert get_settings().signature_png is None


def test_jpeg_is_accepted_and_stored_as_png(make):
    out = io.BytesIO()
    Image.new("RGB", (50, 30), "white").save(out, format="JPEG")
    row = services.set_signature(out.getvalue(), actor=make.admin())
    assert row.signature_png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "upload",
    [
        b"this is a text file renamed signature.png",
        b"",
        png()[:60],  # truncated
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",  # a format Pillow could open
    ],
)
def test_non_images_are_refused_by_content(make, upload):
    with pytest.raises(DomainError) as caught:
        services.set_signature(upload, actor=make.admin())
    assert "không phải là ảnh" in str(caught.value.message)
    assert get_settings().signature_png is None


def test_oversized_image_is_refused(make):
    with pytest.raises(DomainError) as caught:
        services.set_signature(png(size=(6000, 5000), mode="1"), actor=make.admin())
    assert "quá lớn" in str(caught.value.message)


def test_settings_pages(client, login, make):
    admin = make.admin()
    db.session.commit()
    login(admin)
    assert client.get("/admin/settings").status_code == 200
    assert client.get("/admin/settings/signature.png").status_code == 404
    form = {k: str(v) for k, v in asdict(data()).items()}
    saved = client.post("/admin/settings", data=form, follow_redirects=True)
    assert "Đã lưu thiết lập." in saved.text
    refused = client.post("/admin/settings", data={**form, "register_format": "{seq}"})
    assert "phải có cả {seq} và {year}" in refused.text
    text_file = client.post(
        "/admin/settings/signature",
        data={"image": (io.BytesIO(b"not an image"), "seal.png")},
    )
    assert text_file.status_code == 400
    assert "không phải là ảnh" in text_file.text
    uploaded = client.post(
        "/admin/settings/signature",
        data={"image": (io.BytesIO(png()), "seal.png")},
        follow_redirects=True,
    )
    assert "Đã lưu ảnh chữ ký." in uploaded.text
    image = client.get("/admin/settings/signature.png")
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    removed = client.post("/admin/settings/signature/remove", follow_redirects=True)
    assert "Đã xóa ảnh chữ ký." in removed.text
