"""Tracking by dossier code: where the QR codes on forms and the links in e-mails and SMS land. Public,
with no personal data, and limited per client address like the API's tracking (codes cannot be
enumerated)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers import services as dossiers
from motcua_platform.errors import NotFound
from motcua_platform.web.context import runtime, tenant_session
from motcua_platform.web.ratelimit import limit_per_client

from motcua_portal.blueprint import portal

CODE_MAX = 80


@portal.get("/track")
def track():
    code = (request.args.get("code") or "").strip()
    if code:
        if len(code) > CODE_MAX:
            error = _("A dossier code has at most %(n)s characters.", n=CODE_MAX)
            return render_template("portal/track.html", code=code[:CODE_MAX], error=error), 422
        return redirect(url_for("site.tracked", code=code), 303)
    return render_template("portal/track.html", code="", error=None)


@portal.get("/track/<code>")
def tracked(code: str):
    limit_per_client("track", runtime().config.tracking_per_minute)
    try:
        found = dossiers.tracking(tenant_session(), code)
    except NotFound:
        error = _("No dossier has the code %(code)s. Check the code on your receipt.", code=code)
        return render_template("portal/track.html", code=code, error=error), 404
    return render_template("portal/tracked.html", dossier=found)
