"""The units tree (admins): list, create, rename, move, deactivate."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.admin.blueprint import bp
from lms.admin.forms import UnitForm, options
from lms.core.forms import ActionForm
from lms.core.work import saving
from lms.extensions import db
from lms.units import services
from lms.units.models import Unit


@bp.get("/units")
def units():
    return render_template("admin/units.html", rows=services.unit_tree(), action_form=ActionForm())


def _parent_field(form: UnitForm, unit: Unit | None) -> None:
    keep = unit.parent_id if unit else None
    exclude = unit.id if unit else None
    form.parent_id.choices = options(
        [("", _("— none (top level) —")), *services.unit_choices(keep=keep, exclude=exclude)]
    )


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    form = UnitForm()
    _parent_field(form, None)
    if form.validate_on_submit():
        with saving(form) as done:
            unit = services.create_unit(
                form.code.data, form.name.data, form.parent_id.data, actor=current_user
            )
        if done:
            flash(_("The unit %(name)s was created.", name=unit.name), "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit)
    _parent_field(form, unit)
    if form.validate_on_submit():
        with saving(form) as done:
            services.update_unit(
                unit, form.code.data, form.name.data, form.parent_id.data, actor=current_user
            )
        if done:
            flash(_("The changes were saved."), "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit, action_form=ActionForm())


def _set_active(unit_id: int, active: bool):
    unit = db.get_or_404(Unit, unit_id)
    if ActionForm().validate_on_submit():
        with saving() as done:
            services.set_unit_active(unit, active, actor=current_user)
        if done:
            if active:
                flash(_("The unit %(name)s is active again.", name=unit.name), "success")
            else:
                flash(_("The unit %(name)s is deactivated.", name=unit.name), "success")
    return redirect(url_for("admin.units"))


@bp.post("/units/<int:unit_id>/deactivate")
def unit_deactivate(unit_id: int):
    return _set_active(unit_id, False)


@bp.post("/units/<int:unit_id>/activate")
def unit_activate(unit_id: int):
    return _set_active(unit_id, True)
