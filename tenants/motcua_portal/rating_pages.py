"""Rating the processing of a dossier through the link its result message carries, without signing in
(``dossiers.ratings``): the page shows the dossier's code, procedure and status, and the four-level form, or
the rating once given. An unknown or expired link is a 404 whatever it was. The signed-in applicant rates on
their dossier's page (``mine_pages``), with the same form (``portal/_rating.html``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.ratings import services as ratings
from motcua_platform.audit.services import Actor
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.web.context import tenant_session

from motcua_portal.blueprint import portal


def read_form(form) -> tuple[int | None, str]:
    """The level (None when it is not one of the four: the service says so) and the comment posted."""
    raw = form.get("level", "")
    level = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 1 else None
    return level, form.get("comment") or ""


def _page(token: str, dossier, *, errors=None, values=None, conflict=None):
    db = tenant_session()
    rating = ratings.rating_of(db, dossier)
    return render_template(
        "portal/rate.html",
        token=token,
        dossier=dossier,
        procedure=dossiers.procedure_of(db, dossier),
        rating=rating,
        can_rate=rating is None and ratings.rateable(dossier),
        levels=ratings.named_levels(),
        errors=errors or {},
        values=values or {},
        conflict=conflict,
    )


@portal.get("/rate/<token>")
def rate_page(token: str):
    return _page(token, ratings.dossier_for_link(tenant_session(), token))


@portal.post("/rate/<token>")
def rate(token: str):
    db = tenant_session()
    dossier = ratings.dossier_for_link(db, token)
    level, comment = read_form(request.form)
    actor = Actor("citizen", None, "rating link", request.remote_addr)
    try:
        ratings.rate(db, actor, dossier, level, comment, via="link")
    except InvalidInput as error:
        return _page(token, dossier, errors=error.errors, values=dict(request.form)), 422
    except Conflict as error:
        return _page(token, dossier, conflict=str(error.message)), 409
    flash(_("Thank you for your rating."), "success")
    return redirect(url_for("site.rate_page", token=token), 303)
