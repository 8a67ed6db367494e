"""User administration (admins): the list, create, edit, password reset, (de)activate. Units,
the import and the settings are in their own modules on the same blueprint."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.admin import services
from lms.admin.blueprint import bp
from lms.admin.forms import FilterForm, ResetPasswordForm, UserForm, options
from lms.auth.freshness import fresh_required
from lms.auth.models import ROLES, User
from lms.core.forms import ActionForm, parse_id
from lms.core.work import saving
from lms.extensions import db
from lms.units.models import Unit
from lms.units.services import unit_choices

PER_PAGE = 50
ALIASES = {"unit": "unit_id"}


@bp.get("/users")
def users():
    form = FilterForm(formdata=request.args)
    form.unit.choices = options([("", _("All units")), *unit_choices()])
    # Read leniently (a hand-edited URL simply filters less); nothing here changes anything.
    unit = form.unit.data or ""
    stmt = services.users_query(
        (form.q.data or "")[:100],
        form.role.data if form.role.data in ROLES else None,
        parse_id(unit),
        {"active": True, "inactive": False}.get(form.status.data or ""),
    )
    # A page number past any list is read as the last possible one, not handed to OFFSET.
    number = min(max(request.args.get("page", 1, type=int), 1), 1_000_000)
    page = db.paginate(stmt, page=number, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/users.html",
        form=form,
        page=page,
        page_url=lambda n: url_for("admin.users", **args, page=n),
    )


def _unit_field(form: UserForm, user: User | None) -> None:
    form.unit_id.choices = options([("", "—"), *unit_choices(keep=user.unit_id if user else None)])


def _user_data(form: UserForm, password: bool) -> services.UserData:
    unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
    return services.UserData(
        username=form.username.data,
        full_name=form.full_name.data,
        email=form.email.data or None,
        date_of_birth=form.date_of_birth.data,
        unit_code=unit.code if unit else None,
        member_id=form.member_id.data or None,
        roles=set(form.roles.data or ()),
        password=form.password.data if password else None,
        active=form.active.data,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@fresh_required  # grants roles
def user_new():
    form = UserForm()
    _unit_field(form, None)
    if form.validate_on_submit():
        with saving(form, aliases=ALIASES) as done:
            user = services.create_user(_user_data(form, True), actor=current_user)
        if done:
            flash(_("The account %(name)s was created.", name=user.username), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@fresh_required  # roles are changed here
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, roles=sorted(user.roles))
    del form.password  # an admin resets a password with its own form below
    _unit_field(form, user)
    if form.validate_on_submit():
        with saving(form, aliases=ALIASES) as done:
            services.update_user(user, _user_data(form, False), actor=current_user)
        if done:
            flash(_("The changes were saved."), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        password_form=ResetPasswordForm(formdata=None),
        action_form=ActionForm(),
    )


@bp.post("/users/<int:user_id>/password")
@fresh_required  # sets someone else's password: as sensitive as a role change
def user_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    with saving() as done:  # no form: the page is left at once, the message is flashed
        services.reset_password(user, form.new_password.data, actor=current_user)
    if done:
        flash(
            _("The new password is set; %(name)s is signed out everywhere.", name=user.username),
            "success",
        )
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        with saving() as done:
            services.set_user_active(user, active, actor=current_user)
        if done:
            if active:
                flash(_("%(name)s can sign in again.", name=user.username), "success")
            else:
                flash(_("%(name)s is deactivated and signed out.", name=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
def user_activate(user_id: int):
    return _set_active(user_id, True)
