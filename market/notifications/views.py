"""The admin's view of the email outbox: what was queued, sent, or failed, and to whom."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from market.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/<lang:lang>/admin",
               template_folder="templates")

STATUS_LABELS = {"sent": _l("sent"), "queued": _l("queued"), "retrying": _l("retrying"),
                 "failed": _l("failed")}


@bp.get("/outbox")
@login_required
def outbox():
    query = request.args.get("q", "")
    return render_template("notifications/outbox.html", q=query,
                           mails=services.recent(current_user, query),
                           status_of=services.status_of, status_labels=STATUS_LABELS)
