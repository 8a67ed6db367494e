"""The center settings page (admins), with the signature/seal image."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.admin import settings as services
from lms.admin.blueprint import bp
from lms.admin.forms import SettingsForm, SignatureForm
from lms.core.forms import ActionForm
from lms.core.settings import get_settings
from lms.core.work import saving


def _page(form: SettingsForm, signature_form: SignatureForm, row):
    return render_template(
        "admin/settings.html",
        form=form,
        signature_form=signature_form,
        action_form=ActionForm(),
        settings=row,
    )


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    row = get_settings()
    form = SettingsForm(obj=row)
    if form.validate_on_submit():
        data = services.SettingsData(**{name: form[name].data for name in services.FIELDS})
        with saving(form) as done:
            services.update_settings(data, actor=current_user)
        if done:
            flash(_("The settings were saved."), "success")
            return redirect(url_for("admin.settings"))
    return _page(form, SignatureForm(formdata=None), get_settings())


@bp.post("/settings/signature")
def signature_upload():
    form = SignatureForm()
    if form.validate_on_submit():
        with saving(form) as done:  # the image's refusals name the field "image"
            services.set_signature(form.image.data.read(), actor=current_user)
        if done:
            flash(_("The signature image was saved."), "success")
            return redirect(url_for("admin.settings"))
    row = get_settings()
    return _page(SettingsForm(obj=row, formdata=None), form, row), 400


@bp.post("/settings/signature/remove")
def signature_remove():
    if ActionForm().validate_on_submit():
        with saving() as done:
            services.remove_signature(actor=current_user)
        if done:
            flash(_("The signature image was removed."), "success")
    return redirect(url_for("admin.settings"))


@bp.get("/settings/signature.png")
def signature_image():
    png = get_settings().signature_png
    if not png:
        abort(404)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})
