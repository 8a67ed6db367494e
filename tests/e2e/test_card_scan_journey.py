"""Test 4b of issue 17: an instructor scans personal check-in cards with a phone (360 px) whose
camera is Chromium's fake capture device, fed from a Y4M video made here from rendered cards.
Each card is recorded once although the video shows it again and again; a card of another
class and a revoked card are refused in plain words; a number typed by hand works."""

import io
import time
from pathlib import Path

import pytest
import segno
from PIL import Image
from sqlalchemy import func, select

from lms.attendance.models import Attendance
from lms.cards.services import issue_cards, revoke_and_reissue
from lms.core.actors import SYSTEM
from lms.core.models import AuditLog
from lms.extensions import db
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, scan_door, shot, sign_in

WIDTH, HEIGHT, FPS = 320, 240, 10


def card_frame(code: str | None) -> Image.Image:
    """A white frame with the card's QR code in the middle (None: no card in view)."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    if code is not None:
        buffer = io.BytesIO()
        segno.make(code, error="m").save(buffer, kind="png", scale=6, border=4)
        qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
        frame.paste(qr, ((WIDTH - qr.width) // 2, (HEIGHT - qr.height) // 2))
    return frame


def write_y4m(path: Path, frames: list[Image.Image]) -> None:
    """YUV4MPEG2, 4:2:0 (what --use-file-for-fake-video-capture reads), frame by frame."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            y, u, v = frame.convert("YCbCr").split()
            half = (WIDTH // 2, HEIGHT // 2)
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            out.write(u.resize(half, Image.BILINEAR).tobytes())
            out.write(v.resize(half, Image.BILINEAR).tobytes())


@pytest.fixture
def door(make):
    _day, klass, session, unit, trainees, _enrollments, outsider = scan_door(
        make, ["Nguyễn Văn An", "Trần Thị Bình", "Đặng Quốc Cường", "Phạm Thị Dung"])
    instructor = klass.instructors[0]
    lost = make.trainee(full_name="Vũ Văn Mất", unit=unit)
    make.enrollment(klass, lost)
    db.session.flush()
    cards = issue_cards([*trainees, outsider, lost], actor=SYSTEM)
    old_lost = cards[lost.id].code
    revoke_and_reissue(lost, actor=SYSTEM)
    db.session.commit()
    return session, instructor, trainees, cards, outsider, old_lost


def test_scanning_cards_with_the_phone_camera_records_each_once(
    live_server, door, tmp_path, playwright_driver,
):
    from playwright.sync_api import expect

    session, instructor, trainees, cards, outsider, old_lost = door
    scanned = trainees[:3]  # the fourth types her number
    shown = [cards[t.id].code for t in scanned] + [cards[outsider.id].code, old_lost]
    frames = []
    for code in shown:  # each card 2 s in view, then 0.5 s of nothing
        frames += [card_frame(code)] * (2 * FPS) + [card_frame(None)] * (FPS // 2)
    video = tmp_path / "cards.y4m"
    write_y4m(video, frames)

    # From the run's one driver (tests/e2e/conftest.py): a browser with a fake camera.
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}",
    ])
    try:
        context = browser.new_context(locale="vi-VN", **VIEWPORTS["phone"])
        context.grant_permissions(["camera"], origin=live_server.url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, live_server.url, "giangvien")
        page.goto(f"{live_server.url}/sessions/{session.id}/attendance")
        page.get_by_role("link", name="Quét thẻ").click()
        page.wait_for_url(f"**/sessions/{session.id}/scan")
        page.get_by_role("button", name="Bật camera").click()
        answer = page.locator("#scan-answer")
        # The whole video plays (12.5 s) and starts again: every card is seen twice or more.
        expect(page.locator("#scan-count")).to_have_text("3", timeout=60_000)
        seen = set()
        deadline = time.monotonic() + 40
        wanted = {"recorded", "not_in_class", "revoked", "already"}
        while time.monotonic() < deadline and not wanted <= seen:
            seen.add(answer.get_attribute("data-kind"))
            page.wait_for_timeout(100)
        assert wanted <= seen, seen
        decoder = page.evaluate("document.documentElement.dataset.decoder")
        assert decoder in ("BarcodeDetector", "jsQR")
        # Nothing is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_role("button", name="Tắt camera").click()
        shot(page, "card-scan-phone")

        # No camera: the number typed by hand.
        number = cards[trainees[3].id].number
        page.get_by_label("Số thẻ").fill(f"{number[:4]} {number[4:]}")
        page.get_by_role("button", name="Ghi nhận").click()
        expect(page.locator("#scan-count")).to_have_text("4")
        assert answer.locator(".scan-name").inner_text() == "Phạm Thị Dung"
        shot(page, "card-scan-typed")
    finally:
        browser.close()

    db.session.remove()
    rows = db.session.execute(
        select(Attendance.enrollment_id, func.count()).where(Attendance.session_id == session.id)
        .group_by(Attendance.enrollment_id)
    ).all()
    assert len(rows) == 4
    assert all(count == 1 for _id, count in rows)
    scans = db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.session_id == session.id, AuditLog.method == "scan"))
    assert scans == 4
