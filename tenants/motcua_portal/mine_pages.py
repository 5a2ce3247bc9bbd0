"""A signed-in citizen's own pages: their dossiers and their account."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_smorest.pagination import PaginationParameters
from motcua_onestop.citizens import services as citizens
from motcua_onestop.dossiers import services as dossiers
from motcua_platform.web.context import tenant_session
from motcua_platform.web.pagination import paginate

from motcua_portal import session
from motcua_portal.account_pages import citizen_required
from motcua_portal.blueprint import portal

PAGE_SIZE = 20


@portal.get("/my/dossiers")
@citizen_required
def my_dossiers():
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    pagination = PaginationParameters(page, PAGE_SIZE)
    rows = paginate(tenant_session(), dossiers.own_dossiers_query(session.signed_in().id), pagination)
    pages = max(1, -(-pagination.item_count // PAGE_SIZE))
    return render_template(
        "portal/my_dossiers.html",
        dossiers=rows,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("site.my_dossiers", page=number),
        status_names=dossiers.STATUS_NAMES,
    )


@portal.get("/my/account")
@citizen_required
def profile():
    account = citizens.get_account(tenant_session(), session.signed_in().id)
    return render_template("portal/profile.html", account=account)
