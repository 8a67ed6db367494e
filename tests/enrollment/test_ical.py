"""The iCalendar writer: escaping and folding at 75 octets without splitting a character."""

from lms.enrollment.ical import escape, fold_line


def test_escape_text_values():
    assert escape("Lớp A, B; C\\D\nE") == "Lớp A\\, B\\; C\\\\D\\nE"


def test_long_vietnamese_lines_fold_at_75_octets_and_unfold_to_the_original():
    line = "SUMMARY:" + "Bồi dưỡng lý luận chính trị cho đảng viên mới — Chuyên đề 3 " * 4
    folded = fold_line(line)
    parts = folded.split("\r\n")
    assert len(parts) > 3
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line
