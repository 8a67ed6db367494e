"""Importing users from a CSV or XLSX file (admins)."""

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.admin.blueprint import bp
from lms.admin.forms import ImportForm
from lms.admin.importing import TEMPLATE_HEADER, import_users
from lms.auth.freshness import fresh_required
from lms.core.exports import csv_bytes
from lms.core.tabular import TableError
from lms.core.work import saving

SAMPLE_ROW = [
    "Nguyễn Thị Hòa",
    "hoa.nt",
    "hoa.nt@example.vn",
    "05/01/1985",
    "P1",
    "trainee",
    "",
]


@bp.route("/users/import", methods=["GET", "POST"])
@fresh_required  # the file may change the roles of existing accounts
def users_import():
    form = ImportForm()
    errors, message = [], None
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            # A refused password (the service's field "new_password") is shown beside it.
            with saving(form, aliases={"new_password": "password"}) as done:
                result = import_users(
                    data, actor=current_user, password=form.password.data or None
                )
        except TableError as error:  # saving() has rolled back
            errors, message = error.errors, error.message
        else:
            if done:
                flash(
                    _(
                        "Import finished: %(created)d created, %(updated)d updated, "
                        "%(unchanged)d unchanged.",
                        created=result.created,
                        updated=result.updated,
                        unchanged=result.unchanged,
                    ),
                    "success",
                )
                return redirect(url_for("admin.users_import"))
    return render_template(
        "admin/import.html", form=form, errors=errors, message=message, columns=TEMPLATE_HEADER
    )


@bp.get("/users/import/template.csv")
def users_import_template():
    body = csv_bytes(list(TEMPLATE_HEADER), [SAMPLE_ROW])
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="users-template.csv"'},
    )
