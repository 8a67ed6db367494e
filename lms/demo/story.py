"""The demo story: a district center's finished year shaped like the 2019 news article, and
the current year in progress. The report code computes the figures from these rows."""

from __future__ import annotations

import random
import secrets
from datetime import date, time, timedelta

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.classes.models import Class, ClassSession, Program
from lms.core.clock import local_now
from lms.core.models import CenterSettings
from lms.demo.center import MIN_POPULATION, seed_center
from lms.demo.gen import ClassBuilder, People, Writer, certificate_row, set_counter, utc
from lms.demo.names import TOPICS
from lms.extensions import db
from lms.reports.models import AnnualPlan, PlanRevision
from lms.reports.services import save_plan
from lms.units.models import Unit

# (code, name, kind, minimum attendance %, sessions per class, trainees per class)
PROGRAMS = [
    ("CNKT", "Cập nhật kiến thức", "course", 80, 4, (170, 200)),
    ("DVM", "Bồi dưỡng đảng viên mới", "course", 80, 6, (50, 66)),
    ("HNQT", "Hội nghị quán triệt nghị quyết, chỉ thị", "conference", 50, 1, (250, 360)),
    ("SCLLCT", "Sơ cấp lý luận chính trị", "course", 80, 10, (70, 86)),
]
# The story year (DOMAIN.md): classes per program and the plan (classes, trainee-attendances,
# split by quarter). 16,837 ÷ 14,390 = 117.005% → 117%. The report computes the actuals.
STORY_CLASSES = {"CNKT": 4, "DVM": 4, "HNQT": 51, "SCLLCT": 4}
STORY_ATTENDANCES = 16_837
STORY_PLAN = {
    "CNKT": (4, 750, (1, 1, 1, 1), (180, 190, 190, 190)),
    "DVM": (4, 280, (1, 1, 1, 1), (70, 70, 70, 70)),
    "HNQT": (48, 13_000, (12, 14, 10, 12), (3_300, 3_800, 2_700, 3_200)),
    "SCLLCT": (4, 360, (1, 1, 1, 1), (90, 90, 90, 90)),
}
POPULATION = 5_200  # party members of the district at scale 1
WARDS = ("P-HM", "P-DC", "P-TM", "P-GB", "P-VH", "P-YS")
AGENCY_CELLS = {
    "CQ-UB": (
        "Phòng Tài chính - Kế hoạch",
        "Phòng Giáo dục và Đào tạo",
        "Phòng Văn hóa và Thông tin",
    ),
    "CQ-KT": (
        "Công ty cổ phần Xây dựng Hoàng Mai",
        "Công ty Môi trường đô thị",
        "Hợp tác xã Thịnh Liệt",
    ),
}


def weekdays(start: date, count: int, step: int = 1) -> list[date]:
    """`count` working days from `start` (itself moved off a weekend), `step` apart."""
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
            day += timedelta(days=step)
        else:
            day += timedelta(days=1)
    return days


def _split(total: int, weights: list[float]) -> list[int]:
    """Whole parts of `total` proportional to `weights` that add up to `total` exactly."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True):
        if sum(parts) == total:
            break
        parts[index] += 1
    return parts


class Demo:
    def __init__(self, *, seed: int, scale: float, echo, population: int | None = None) -> None:
        self.rng = random.Random(seed)  # noqa: S311  (repeatable demo data, not a secret)
        self.scale, self.echo = scale, echo
        self.accounts = seed_center()
        self.settings = db.session.get(CenterSettings, 1)
        self.units = {u.code: u for u in db.session.scalars(select(Unit))}
        self._add_cells()
        self.programs = {}
        for code, name, kind, minimum, _sessions, _size in PROGRAMS:
            program = Program(code=code, name=name, kind=kind, min_attendance_pct=minimum)
            db.session.add(program)
            self.programs[code] = program
        db.session.flush()
        self.writer = Writer()
        self.people = People(self.writer, self.rng, self.accounts["admin"].password_hash)
        trainee = self.accounts["trainee"]
        self.people.unit_of[trainee.id] = trainee.unit_id
        self.people.names[trainee.id] = (trainee.full_name, None)
        instructor = self.accounts["instructor"]
        self.people.unit_of[instructor.id] = instructor.unit_id
        self.instructors = [instructor.id]
        self.instructors += [
            self.people.add(self.units["TT"].id, instructor=True) for _ in range(8)
        ]
        leaves = [u.id for u in self.units.values() if not u.children and u.code != "TT"]
        self.population = [trainee.id]
        self.population += [
            self.people.add(self.rng.choice(leaves))
            for _ in range(population_for(scale, population) - 1)
        ]
        self.staff = {"director": self.accounts["director"].id}
        self.builder = ClassBuilder(self.writer, self.people, self.rng, self.staff)
        self.unit_names = {u.id: u.name for u in self.units.values()}

    def _add_cells(self) -> None:
        for ward in WARDS:
            parent = self.units[ward]
            place = parent.name.removeprefix("Đảng bộ phường ")
            for number in range(1, 6):
                code = f"CB-{ward[2:]}-{number}"
                name = f"Chi bộ khu dân cư số {number} phường {place}"
                self.units[code] = Unit(code=code, name=name, parent=parent)
        for agency, cells in AGENCY_CELLS.items():
            for number, name in enumerate(cells, start=1):
                code = f"CB-{agency}-{number}"
                self.units[code] = Unit(code=code, name=f"Chi bộ {name}", parent=self.units[agency])
        db.session.add_all(self.units.values())
        db.session.flush()

    def _class(self, program_code: str, **values) -> dict:
        staff = self.rng.sample(self.instructors[1:], 2 if program_code != "HNQT" else 1)
        values.setdefault("instructors", staff)
        return self.builder.build(program=self.programs[program_code], **values)

    def _certificates(
        self, year: int, classes: list[tuple[str, dict]], issued_after: int = 4
    ) -> int:
        seq = 0
        for program_code, klass in classes:
            for enrollment_id, user_id in klass["completed"]:
                seq += 1
                certificate_row(
                    self.writer,
                    enrollment_id=enrollment_id,
                    year=year,
                    seq=seq,
                    person=self.people.names[user_id],
                    unit_name=self.unit_names[self.people.unit_of[user_id]],
                    klass=klass,
                    program=self.programs[program_code],
                    settings=self.settings,
                    director_id=self.staff["director"],
                    issued_on=klass["days"][-1] + timedelta(days=issued_after),
                )
        return seq

    def finished_year(self, year: int) -> None:
        """A closed year shaped like the story; the report computes its figures."""
        rng, scale = self.rng, self.scale
        courses: list[tuple[str, dict]] = []
        participants_left = round(STORY_ATTENDANCES * scale)
        sizes = {code: size for code, _n, _k, _m, _s, size in PROGRAMS}
        sessions = {code: count for code, _n, _k, _m, count, _z in PROGRAMS}
        for code in ("CNKT", "DVM", "SCLLCT"):
            count = max(1, round(STORY_CLASSES[code] * scale))
            for number in range(1, count + 1):
                size = rng.randint(*sizes[code])
                month = 1 + (number * 12 // (count + 1) + rng.randint(0, 1)) % 12
                days = weekdays(date(year, month, rng.randint(1, 12)), sessions[code])
                no_show = rng.randint(0, 2)
                people = rng.sample(self.population, size + no_show + 1)
                klass = self._class(
                    code,
                    code=f"{code}-{year}-{number:03d}",
                    title=f"Lớp {self.programs[code].name} khóa {number}/{year}",
                    days=days,
                    participants=people[:size],
                    no_shows=people[size : size + no_show],
                    capacity=size + no_show + 10,
                    close=True,
                )
                self.builder.withdraw(klass["id"], people[-1], days[0])
                participants_left -= size
                courses.append((code, klass))
        count = round(STORY_CLASSES["HNQT"] * scale)
        sizes_hn = _split(participants_left, [rng.randint(*sizes["HNQT"]) for _ in range(count)])
        for number, size in enumerate(sizes_hn, start=1):
            month = 1 + (number - 1) * 12 // count
            day = weekdays(date(year, month, rng.randint(3, 24)), 1)
            no_show = round(size * rng.uniform(0.008, 0.03))
            people = rng.sample(self.population, size + no_show)
            topic = TOPICS[number % len(TOPICS)]
            self._class(
                "HNQT",
                code=f"HNQT-{year}-{number:03d}",
                title=f"Hội nghị quán triệt {topic}",
                days=day + ([day[0] + timedelta(days=1)] if rng.random() < 0.15 else []),
                participants=people[:size],
                no_shows=people[size:],
                close=True,
                place=rng.choice(
                    ("Hội trường Quận ủy", "Hội trường Trung tâm Bồi dưỡng chính trị")
                ),
            )
        # A conference called off by storm warning: never counted.
        self._class(
            "HNQT",
            code=f"HNQT-{year}-HUY",
            title="Hội nghị quán triệt Chỉ thị về phòng, chống thiên tai",
            days=weekdays(date(year, 10, 14), 1),
            participants=[],
            no_shows=rng.sample(self.population, 40),
            marked_days=0,
            cancel="Hoãn do cảnh báo bão",
        )
        seq = self._certificates(year, courses)
        # A certificate reissued after a misspelt name: the old one revoked, counted once.
        self.writer.flush()
        if seq:
            first = db.session.scalar(
                select(Certificate).where(Certificate.year == year).order_by(Certificate.seq)
            )
            first.revoked_at = utc(first.issued_on + timedelta(days=20))
            first.revoked_by_id = self.staff["director"]
            first.revoke_reason = "Sai chính tả họ tên, cấp lại"
            db.session.flush()
            seq += 1
            db.session.add(
                Certificate(
                    id=self.writer.new_id(Certificate.__table__),
                    **{
                        c: getattr(first, c)
                        for c in (
                            "enrollment_id",
                            "year",
                            "full_name",
                            "date_of_birth",
                            "unit_name",
                            "class_code",
                            "class_title",
                            "program_name",
                            "start_date",
                            "end_date",
                            "result",
                            "signer_title",
                            "signer_name",
                            "place",
                        )
                    },
                    seq=seq,
                    register_number=self.settings.register_format.format(seq=seq, year=year),
                    verification_code=secrets.token_urlsafe(24),
                    issued_on=first.issued_on + timedelta(days=20),
                    issued_at=utc(first.issued_on + timedelta(days=20)),
                    issued_by_id=self.staff["director"],
                    replaces_id=first.id,
                )
            )
        set_counter(year, seq)
        self.plan(year, {k: _scaled(v, scale) for k, v in STORY_PLAN.items()})
        self.echo(f"  {year}: {self.writer.attendance_rows} attendance records so far")

    def plan(self, year: int, figures: dict, revise: str = "HNQT") -> None:
        """The plan of a year as the director entered it in December before, then revised in
        June (the revision history shows both)."""
        director = self.accounts["director"]
        drafted, revised = utc(date(year - 1, 12, 16)), utc(date(year, 6, 12), 3)
        final = {}
        for code, (classes, attendances, qc, qa) in figures.items():
            values = {"planned_classes": classes, "planned_attendances": attendances}
            values |= {f"q{q}_classes": v for q, v in enumerate(qc, start=1)}
            values |= {f"q{q}_attendances": v for q, v in enumerate(qa, start=1)}
            final[code] = values
            if code == revise:
                values = dict(values, planned_attendances=attendances - 500)
                values |= {f"q{q}_attendances": None for q in range(1, 5)}
            save_plan(year, self.programs[code], values, actor=director)
        first = db.session.scalar(select(func.max(PlanRevision.id))) or 0
        save_plan(year, self.programs[revise], final[revise], actor=director)
        for revision in db.session.scalars(
            select(PlanRevision).where(
                PlanRevision.plan_id.in_(select(AnnualPlan.id).where(AnnualPlan.year == year))
            )
        ):
            revision.changed_at = drafted if revision.id <= first else revised
        db.session.flush()

    def current_year(self, today: date) -> None:
        """The year in progress: something to do for every demo account on first sign-in.

        Built for whatever day it is: each part is placed relative to `today`, inside this
        calendar year, and left out when it does not fit yet (no closed spring class on
        1 January). Participants and no-shows of a class are drawn together, never twice."""
        rng, year = self.rng, today.year
        new_year = date(year, 1, 1)
        trainee, instructor = self.accounts["trainee"].id, self.accounts["instructor"].id
        others = [p for p in self.population if p != trainee]

        def draw(attending: int, absent: int = 0, first: int | None = None):
            """Distinct people: `attending` participants (`first` among them), `absent` no-shows."""
            pool = others if first is None else [p for p in others if p != first]
            wanted = attending + absent - (first is not None)
            people = rng.sample(pool, min(wanted, len(pool)))
            if first is not None:
                people.insert(0, first)
            cut = max(0, len(people) - absent)
            return people[:cut], people[cut:]

        # Conferences of the months gone by, held and closed.
        number = 0
        for month in range(1, today.month):
            for _ in range(2):
                number += 1
                size = rng.randint(150, 300)
                participants, no_shows = draw(
                    size - 5, 5, first=trainee if number % 3 == 1 else None
                )
                self._class(
                    "HNQT",
                    code=f"HNQT-{year}-{number:03d}",
                    title=f"Hội nghị quán triệt {TOPICS[number % len(TOPICS)]}",
                    days=weekdays(date(year, month, rng.randint(3, 22)), 1),
                    participants=participants,
                    no_shows=no_shows,
                    close=True,
                )
        # A spring course, closed, its certificates issued: once it ended over a week ago.
        issued = 0
        spring_days = weekdays(date(year, 3, 9), 10)
        if spring_days[-1] + timedelta(days=8) < today:
            participants, no_shows = draw(72, 2)
            spring = self._class(
                "SCLLCT",
                code=f"SCLLCT-{year}-001",
                title=f"Lớp Sơ cấp lý luận chính trị khóa 1/{year}",
                days=spring_days,
                participants=participants,
                no_shows=no_shows,
                capacity=80,
                close=True,
            )
            issued = self._certificates(year, [("SCLLCT", spring)])
        set_counter(year, issued)
        # Finished some weeks ago and closed out: certificates wait for the director.
        recent = weekdays(max(new_year, today - timedelta(days=40)), 6)
        if recent[-1] + timedelta(days=2) < today:
            participants, no_shows = draw(45, 1, first=trainee)
            self._class(
                "DVM",
                code=f"DVM-{year}-002",
                title=f"Lớp Bồi dưỡng đảng viên mới khóa 2/{year}",
                days=recent,
                participants=participants,
                no_shows=no_shows,
                capacity=60,
                close=True,
            )
        # Running this week, with a session today: the demo instructor teaches it. One past
        # session is still unmarked (when there are two or more); today's waits for its roll
        # call. Past sessions stay inside this year.
        before = [d for d in weekdays(today - timedelta(days=8), 8) if new_year <= d < today][-4:]
        after = weekdays(today + timedelta(days=1), 2)
        self._class(
            "DVM",
            code=f"DVM-{year}-003",
            title=f"Lớp Bồi dưỡng đảng viên mới khóa 3/{year}",
            days=[*before, today, *after],
            instructors=[instructor],
            participants=draw(49, first=trainee)[0],
            marked_days=len(before),
            unmarked=(len(before) - 2,) if len(before) >= 2 else (),
            capacity=60,
        )
        self._class(
            "CNKT",
            code=f"CNKT-{year}-004",
            title=f"Lớp Cập nhật kiến thức chuyên đề Chuyển đổi số {year}",
            days=[*before[-1:], today],
            participants=draw(121, first=trainee)[0],
            marked_days=len(before[-1:]),
            capacity=200,
        )
        # Open for self-enrollment, starting next month (next year's January in December).
        first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        for number, (code, sessions, seats) in enumerate(
            (("SCLLCT", 10, 80), ("CNKT", 2, 150)), start=5
        ):
            days = weekdays(first_next + timedelta(days=rng.randint(2, 8)), sessions)
            self._class(
                code,
                code=f"{code}-{days[0].year}-{number:03d}",
                title=f"Lớp {self.programs[code].name} khóa {number}/{days[0].year}",
                days=days,
                participants=draw(seats // 3)[0],
                marked_days=0,
                mode="open",
                capacity=seats,
                enrol_window=(today - timedelta(days=5), days[0] - timedelta(days=2)),
            )
        self.writer.flush()
        _happening_now(f"DVM-{year}-003", today)  # taught by the demo instructor
        self.plan(
            year,
            {
                "CNKT": (3, 500, (1, 1, 0, 1), (150, 150, 0, 200)),
                "DVM": (4, 200, (1, 1, 1, 1), (50, 50, 50, 50)),
                "HNQT": (24, 6_000, (6, 6, 6, 6), (1_500, 1_500, 1_500, 1_500)),
                "SCLLCT": (3, 240, (1, 1, 0, 1), (80, 80, 0, 80)),
            },
        )


def population_for(scale: float, population: int | None) -> int:
    """Trainees to draw from: as asked, or 5,200 × scale, never fewer than MIN_POPULATION."""
    return population or max(MIN_POPULATION, round(POPULATION * scale))


def _scaled(figures: tuple, scale: float) -> tuple:
    classes, attendances, qc, qa = figures
    if scale == 1:
        return figures
    classes, attendances = round(classes * scale), round(attendances * scale)
    return classes, attendances, tuple(_split(classes, qc)), tuple(_split(attendances, qa))


def _happening_now(class_code: str, today: date) -> None:
    """Move today's session of this class to the time the demo is loaded (started a few
    minutes ago, three hours long), so that the demo trainee can check in at once."""
    now = local_now()
    if now.date() != today:
        return
    start_minute = max(0, now.hour * 60 + now.minute - 10)
    end_minute = min(23 * 60 + 59, start_minute + 180)
    db.session.flush()
    session = db.session.scalar(
        select(ClassSession)
        .join(Class)
        .where(Class.code == class_code, ClassSession.on_date == today)
    )
    if session is not None:
        session.starts_at = time(start_minute // 60, start_minute % 60)
        session.ends_at = time(end_minute // 60, end_minute % 60)
        db.session.flush()
