"""Every upload endpoint, through its real view (ASVS 5.0 V5 file handling): a size limit that
answers 413 with a Vietnamese page, the type decided by content (never by name or mimetype),
XLSX zip bombs and billion-laughs XML refused before parsing; nothing saved on a refusal."""

import io
from datetime import date

import openpyxl.xml
import pytest
from PIL import Image

from lms import config as default_config
from lms.extensions import db
from tests.hostile_files import billion_laughs, xlsx, zip_bomb
from tests.security.fuzzing import snapshot

YEAR = date.today().year
TABLE_UPLOADS = [
    ("/admin/users/import", {}),
    ("/classes/{klass}/assign", {"kind": "import"}),
    (f"/reports/plans/{YEAR}/import", {}),
    ("/classes/{klass}/attendance/import", {"check": "1"}),
]
ALL_UPLOADS = [(url, "file", extra) for url, extra in TABLE_UPLOADS] + [
    ("/admin/settings/signature", "image", {})
]
LIMIT = 64 * 1024


@pytest.fixture
def app_config():
    return {"MAX_CONTENT_LENGTH": LIMIT}


@pytest.fixture
def ids(make, login):
    me = make.user(roles=("trainee", "director", "admin"))
    klass = make.klass()
    make.settings()
    db.session.commit()
    login(me)
    return {"klass": klass.id}


def _post(client, url, field, data: bytes, name: str, mimetype: str, extra=None):
    response = client.post(
        url,
        data={**(extra or {}), field: (io.BytesIO(data), name, mimetype)},
        content_type="multipart/form-data",
    )
    response.close()
    return response


def _png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_app_has_an_upload_limit_by_default():
    assert 0 < default_config.MAX_CONTENT_LENGTH <= 16 * 1024 * 1024


@pytest.mark.parametrize(("url", "field", "extra"), ALL_UPLOADS)
def test_an_upload_over_the_limit_is_answered_413_in_vietnamese(client, ids, url, field, extra):
    before = snapshot()
    response = _post(client, url.format(**ids), field, b"a" * (LIMIT + 1), "big.csv", "text/csv",
                     extra)
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.text
    assert "Tệp lớn hơn dung lượng cho phép." in response.text
    assert snapshot() == before


@pytest.mark.parametrize(("url", "extra"), TABLE_UPLOADS)
def test_a_table_upload_is_typed_by_content_not_by_name(client, ids, url, extra):
    before = snapshot()
    png = _png()
    response = _post(client, url.format(**ids), "file", png, "roster.csv", "text/csv", extra)
    assert response.status_code in (200, 422)
    assert "Tệp không phải là tệp CSV hay bảng tính XLSX." in response.text
    assert snapshot() == before
    # An XLSX named .csv is read as the workbook it is (the header is what the view checks).
    workbook = xlsx([["colour"], ["red"]])
    response = _post(client, url.format(**ids), "file", workbook, "list.csv", "text/csv", extra)
    assert "colour" in response.text
    assert snapshot() == before


def test_a_signature_is_typed_by_content_not_by_name(client, ids):
    before = snapshot()
    fakes = (b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"name\nhoa\n", b"GIF89a" + b"\0" * 9)
    for data in fakes:
        response = _post(client, "/admin/settings/signature", "image", data, "seal.png",
                         "image/png")
        assert response.status_code == 400
        assert "Tệp không phải là ảnh (PNG, JPEG, WebP hoặc GIF)." in response.text
    assert snapshot() == before
    response = _post(client, "/admin/settings/signature", "image", _png(), "seal.txt",
                     "text/plain")
    assert response.status_code == 302


def test_a_decompression_bomb_image_is_refused(client, ids):
    buffer = io.BytesIO()
    Image.new("1", (6000, 5000)).save(buffer, format="PNG")  # 30 megapixels in ~4 kB
    before = snapshot()
    response = _post(client, "/admin/settings/signature", "image", buffer.getvalue(), "s.png",
                     "image/png")
    assert response.status_code == 400
    assert "Ảnh quá lớn" in response.text
    assert snapshot() == before


@pytest.mark.parametrize(("url", "extra"), TABLE_UPLOADS)
def test_a_zip_bomb_is_refused_before_parsing(app, client, ids, url, extra):
    app.config["MAX_CONTENT_LENGTH"] = default_config.MAX_CONTENT_LENGTH
    before = snapshot()
    response = _post(client, url.format(**ids), "file", zip_bomb(), "a.xlsx", "text/plain", extra)
    assert "Bảng tính giải nén ra dung lượng quá lớn; bị từ chối." in response.text
    assert snapshot() == before


@pytest.mark.parametrize(("url", "extra"), TABLE_UPLOADS)
def test_billion_laughs_xml_is_refused(client, ids, url, extra):
    assert openpyxl.xml.DEFUSEDXML  # openpyxl parses through defusedxml (entities refused)
    before = snapshot()
    response = _post(client, url.format(**ids), "file", billion_laughs(), "a.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", extra)
    assert "Không đọc được tệp XLSX." in response.text
    assert snapshot() == before
