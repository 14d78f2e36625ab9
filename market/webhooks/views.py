"""The admin's page of partners' webhook endpoints and failed deliveries (read only: the
partner registers, deletes and replays through the API)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from market.accounts.models import Role
from market.webhooks import services

bp = Blueprint("webhooks", __name__, url_prefix="/<lang:lang>", template_folder="templates")


@bp.get("/admin/webhooks")
@login_required
def admin_list():
    if current_user.role != Role.ADMIN.value:
        abort(404)
    return render_template("webhooks/admin.html", rows=services.admin_overview(),
                           failures=services.recent_failures(),
                           key_names=services.key_names())
