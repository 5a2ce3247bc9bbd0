"""The citizen's kept documents (``documents.store``): what they handed in and received, offered again in
their next applications; each can be downloaded from its dossier's page and removed from the list, except
while a dossier not finished uses it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers.documents import store
from motcua_platform.errors import Conflict
from motcua_platform.web.context import tenant_session

from motcua_portal import session
from motcua_portal.account_pages import citizen_required
from motcua_portal.blueprint import portal


def _page(conflict: str | None = None, status: int = 200):
    kept = store.kept(tenant_session(), session.signed_in().id)
    return render_template("portal/my_documents.html", kept=kept, conflict=conflict), status


@portal.get("/my/documents")
@citizen_required
def my_documents():
    return _page()


@portal.post("/my/documents/<int:kept_id>/forget")
@citizen_required
def my_document_forget(kept_id: int):
    try:
        store.forget(tenant_session(), session.actor(), session.signed_in().id, kept_id)
    except Conflict as error:
        return _page(str(error.message), 409)
    flash(_("The document is removed from your kept documents. Its dossier keeps it."), "success")
    return redirect(url_for("site.my_documents"), 303)
