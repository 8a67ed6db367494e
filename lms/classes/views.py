"""Classes pages: programs and classes for directors; the catalog and class page for trainees.

The director's class page with its sessions is in lms/classes/session_views.py.
"""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.auth.models import User
from lms.classes import rules, services
from lms.classes.blueprint import bp
from lms.classes.forms import ClassForm, ProgramForm
from lms.classes.models import Class, Program
from lms.core.clock import local_today
from lms.core.forms import ActionForm, parse_id
from lms.core.labels import CLASS_STATUS_LABELS
from lms.core.work import saving
from lms.enrollment.queries import enrollment_of
from lms.enrollment.services import withdrawal_refusal
from lms.enrollment.waitlist import waitlist_positions
from lms.extensions import db


def _actor() -> User:
    return current_user._get_current_object()


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name, ""))


# --- programs -------------------------------------------------------------------------------


@bp.get("/programs")
def programs():
    return render_template(
        "classes/programs.html", programs=services.list_programs(), action_form=ActionForm()
    )


def _program_data(form: ProgramForm) -> services.ProgramData:
    return services.ProgramData(
        code=form.code.data,
        name=form.name.data,
        kind=form.kind.data,
        min_attendance_pct=form.min_attendance_pct.data,
        excused_rule=form.excused_rule.data,
    )


@bp.route("/programs/new", methods=["GET", "POST"])
def program_new():
    form = ProgramForm()
    if form.validate_on_submit():
        with saving() as done:
            services.create_program(_program_data(form), actor=_actor())
        if done:
            flash(_("Program saved."), "success")
            return redirect(url_for("classes.programs"))
    return render_template("classes/program_form.html", form=form, program=None)


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
def program_edit(program_id: int):
    program = db.get_or_404(Program, program_id)
    form = ProgramForm(obj=program)
    if form.validate_on_submit():
        with saving() as done:
            services.update_program(program, _program_data(form), actor=_actor())
        if done:
            flash(_("Program saved."), "success")
            return redirect(url_for("classes.programs"))
    return render_template("classes/program_form.html", form=form, program=program)


@bp.post("/programs/<int:program_id>/retire")
def program_retire(program_id: int):
    program = db.get_or_404(Program, program_id)
    if ActionForm().validate_on_submit():
        retire = program.retired_at is None
        with saving() as done:
            services.set_program_retired(program, retire, actor=_actor())
        if done:
            flash(_("Program retired.") if retire else _("Program restored."), "success")
    return redirect(url_for("classes.programs"))


# --- classes (directors) --------------------------------------------------------------------


@bp.get("/classes")
def class_list():
    year = _int_arg("year")
    this_year = local_today().year
    # By default this year's classes and those planned after: a province center holds some
    # 500 classes a year, and every year since it began made one page too heavy
    # (docs/benchmarks.md).
    every_year = request.args.get("year") == "all"
    since = None if year or every_year else date(this_year, 1, 1)
    program_id = _int_arg("program")
    status = request.args.get("status") or None
    if status not in CLASS_STATUS_LABELS:
        status = None
    rows = services.list_classes(year=year, since=since, program_id=program_id, status=status)
    return render_template(
        "classes/class_list.html",
        rows=rows,
        programs=services.list_programs(),
        year=year,
        every_year=every_year,
        program_id=program_id,
        status=status,
        this_year=this_year,
    )


def _class_form(klass: Class | None = None) -> ClassForm:
    form = ClassForm(obj=klass)
    if klass is not None and request.method == "GET":
        form.instructor_ids.data = [i.id for i in klass.instructors]
    programs = services.list_programs(include_retired=False)
    if klass is not None and klass.program.retired_at is not None:
        programs.append(klass.program)
    form.program_id.choices = [SelectChoice(p.id, f"{p.name} ({p.code})") for p in programs]
    instructors = db.session.scalars(
        select(User).where(User.is_instructor, User.active).order_by(User.sort_key)
    )
    form.instructor_ids.choices = [SelectChoice(u.id, u.full_name) for u in instructors]
    return form


def _class_data(form: ClassForm) -> services.ClassData:
    return services.ClassData(
        program_id=form.program_id.data,
        code=form.code.data,
        title=form.title.data,
        place=form.place.data or "",
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        instructor_ids=list(form.instructor_ids.data or []),
        capacity=form.capacity.data,
        enrollment_mode=form.enrollment_mode.data,
        enrol_opens_on=form.enrol_opens_on.data,
        enrol_closes_on=form.enrol_closes_on.data,
        min_attendance_pct=form.min_attendance_pct.data,
        excused_rule=form.excused_rule.data,
    )


@bp.route("/classes/new", methods=["GET", "POST"])
def class_new():
    form = _class_form()
    if request.method == "GET" and form.program_id.choices:
        # The program's default completion rule, when the director came from a program.
        program = db.session.get(Program, _int_arg("program") or form.program_id.choices[0].value)
        if program is not None:
            form.program_id.data = program.id
            form.min_attendance_pct.data = program.min_attendance_pct
            form.excused_rule.data = program.excused_rule
    if form.validate_on_submit():
        with saving() as done:
            klass = services.create_class(_class_data(form), actor=_actor())
        if done:
            flash(_("Class saved. Now add its sessions."), "success")
            return redirect(url_for("classes.class_manage", class_id=klass.id))
    return render_template("classes/class_form.html", form=form, klass=None)


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
def class_edit(class_id: int):
    klass = db.get_or_404(Class, class_id)
    form = _class_form(klass)
    if form.validate_on_submit():
        with saving() as done:
            services.update_class(klass, _class_data(form), actor=_actor())
        if done:
            flash(_("Class saved."), "success")
            return redirect(url_for("classes.class_manage", class_id=klass.id))
    return render_template("classes/class_form.html", form=form, klass=klass)


# --- catalog and class page (trainees) ------------------------------------------------------


@bp.get("/classes/catalog")
def catalog():
    program_id = _int_arg("program")
    month = request.args.get("month", "")[:7]
    q = request.args.get("q", "")[:100]
    classes = services.list_catalog(program_id=program_id, month=month, q=q)
    return render_template(
        "classes/catalog.html",
        classes=classes,
        programs=services.list_programs(include_retired=False),
        program_id=program_id,
        month=month,
        q=q,
        today=local_today(),
    )


@bp.get("/classes/<int:class_id>")
def class_page(class_id: int):
    user = _actor()
    klass = services.visible_class_for_trainee(class_id, user)
    if klass is None:
        abort(404)
    mine = enrollment_of(klass, user)
    today = local_today()
    sessions = [s for s in klass.sessions]
    last = max((s.on_date for s in sessions if not s.is_cancelled), default=None)
    return render_template(
        "classes/class_page.html",
        klass=klass,
        sessions=sessions,
        status=rules.class_status(klass, today, last),
        enrollment_open=rules.enrollment_is_open(klass, today),
        window=rules.enrollment_window(klass),
        mine=mine,
        can_withdraw=mine is not None and withdrawal_refusal(mine, actor=user) is None,
        waitlist_place=waitlist_positions([mine.id]).get(mine.id) if mine else None,
        seats_left=None if klass.capacity is None else klass.capacity - klass.enrolled_count,
        action_form=ActionForm(),
    )
