"""What applicants said of the processing of their dossiers (``dossiers.ratings``), for officers and province
admins over the units their lists cover (``caller_inbox_scope``, as the inbox and the statistics): how many
ratings of each level, and the ratings newest first, one level or all, each with its dossier's page."""

from __future__ import annotations

from flask import render_template, request, url_for
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.http import caller_inbox_scope
from motcua_onestop.dossiers.ratings import services as ratings
from motcua_onestop.units.services import unit_names
from motcua_platform.web.context import tenant_session

from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console

PAGE_SIZE = 20


def _small(raw: str, most: int) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= most else None


@console.get("/ratings")
@staff_required
def ratings_page():
    session = tenant_session()
    scope = caller_inbox_scope(session)
    units = None if scope.whole_tenant else scope.units
    level = _small(request.args.get("level", ""), 4)
    page = _small(request.args.get("page", "1"), 9_999) or 1
    rows = ratings.given(session, units, level, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    counts = ratings.counted(session, units)
    return render_template(
        "console/ratings.html",
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        level=level,
        levels=ratings.named_levels(),
        counts=counts,
        total=sum(counts.values()),
        procedures={dossier.id: dossiers.procedure_of(session, dossier) for _rating, dossier in rows[:PAGE_SIZE]},
        names=unit_names(session),
        page_url=lambda number: url_for("console.ratings_page", level=level, page=number),
    )
