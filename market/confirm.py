"""One rule for destructive actions (archive, remove, cancel, reject, revoke): the form's
button is styled apart (`button.danger`) and the action needs a second, explicit step. A
POST without `confirmed=1` changes nothing and answers a confirmation page that repeats the
form's fields and asks again; no script is needed (the CSP forbids inline script anyway).

Views check who may act on the object first, then call `needed()`; the confirmation page
therefore never shows anything to someone who could not act."""
from __future__ import annotations

from flask import render_template, request

_NOT_REPEATED = {"csrf_token", "confirmed"}


def needed() -> bool:
    return request.form.get("confirmed") != "1"


def page(title, message, action_label, cancel_url: str):
    """The confirmation step: the same POST again, with every field it carried."""
    fields = [(key, value) for key, value in request.form.items(multi=True)
              if key not in _NOT_REPEATED]
    return render_template("confirm.html", title=title, message=message,
                           action_label=action_label, cancel_url=cancel_url,
                           action=request.path, fields=fields)
