"""The class hub: one page from which a director reaches everything about a class in one click
(sessions, roster and enrolment with the waitlist, the attendance grid, close-out with what
blocks it, certificates, exports), and an instructor its sessions and rosters."""

from flask import abort, render_template
from flask_login import current_user

from lms.cards.forms import ClerkForm
from lms.cards.services import clerks_of
from lms.classes.blueprint import bp
from lms.classes.forms import ReasonForm
from lms.classes.hub import class_hub, hub_class
from lms.core.clock import local_now
from lms.core.forms import ActionForm


@bp.get("/classes/<int:class_id>/hub")
def hub(class_id: int):
    viewer = current_user._get_current_object()
    klass = hub_class(class_id, viewer)
    if klass is None:
        abort(404)  # other instructors and unknown classes alike
    director = viewer.is_director
    return render_template(
        "classes/hub.html", hub=class_hub(klass, viewer, local_now()), action_form=ActionForm(),
        reopen_form=ReasonForm(formdata=None, prefix="reopen"),
        clerks=clerks_of(klass) if director else [], clerk_form=ClerkForm() if director else None,
    )
