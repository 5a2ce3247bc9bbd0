"""Officers' comments on the dossier page: the list (the history's ``comment`` entries, by name and time)
and a form to add one, calling ``comments.add_comment`` as ``POST /api/v1/dossiers/<code>/comments`` does.

A comment carries no version: as in the API, it changes nothing a colleague could have based a decision
on, so it neither bumps the version nor fails because the dossier moved on while it was being written."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers import comments
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.http import caller_units
from motcua_platform.errors import InvalidInput
from motcua_platform.web.context import tenant_session

from motcua_console import session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.officer_pages import detail_page


@console.post("/dossiers/<code>/comments")
@staff_required
def add_comment(code: str):
    db = tenant_session()
    row = dossiers.get_dossier(db, code, caller_units())
    text = request.form.get("new_comment") or ""
    try:
        comments.add_comment(db, session.actor(), row, text)
    except InvalidInput as error:
        messages = error.errors.get("comment", [error.message])
        return detail_page(row, errors={"new_comment": [str(m) for m in messages]}, values={"new_comment": text}), 422
    flash(_("Your comment is added."), "success")
    return redirect(url_for("console.dossier", code=code, _anchor="comments"), 303)
