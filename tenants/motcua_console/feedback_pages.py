"""Feedback and complaints for the office (``feedback.services``): the items the caller handles (those given
to the units their lists cover; the unassigned ones too for the province's staff), oldest due first, with
what each step's legal time is and whether it passed; one item's page with the steps it is at: assign
(province staff), reject, ask for more, answer, publish; and the items received in a month by category
(QĐ 766 item 5.1). Open items come oldest answer due first; the others newest received first."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers.http import caller_inbox_scope, caller_units
from motcua_onestop.feedback import labels, notices
from motcua_onestop.feedback import services as feedback
from motcua_onestop.units import services as units
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.pages.paging import page_number
from motcua_platform.timezones import VIETNAM
from motcua_platform.web.context import current_tenant, tenant_session

from motcua_console import session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console

PAGE_SIZE = 20
# what each action's form posts, and the service it calls
ACTIONS = {
    "assign": ("unit_id",),
    "reject": ("reason",),
    "request_info": ("request",),
    "answer": ("answer",),
    "publish": ("public_title", "public_content", "public_answer"),
}


def _reach() -> feedback.Reach:
    db = tenant_session()
    scope = caller_inbox_scope(db)
    return feedback.Reach(scope.units, units.root_unit_id(db) in caller_units())


def _month() -> tuple[dt.datetime, dt.datetime]:
    today = dt.datetime.now(VIETNAM).date()
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return (dt.datetime.combine(start, dt.time(), VIETNAM), dt.datetime.combine(end, dt.time(), VIETNAM))


@console.get("/feedback")
@staff_required
def feedback_inbox():
    db = tenant_session()
    reach = _reach()
    status = request.args.get("status", "")
    status = status if status in labels.STATUSES else ""
    page = page_number()
    items, total = feedback.listing(db, reach, status or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    start, end = _month()
    return render_template(
        "console/feedback.html",
        items=items,
        total=total,
        status=status,
        statuses=labels.options(labels.STATUSES),
        categories=labels.CATEGORIES,
        by_category=feedback.by_category(db, start, end) if reach.province else None,
        month=start,
        word=labels.word,
        labels=labels,
        late=lambda item: feedback.late_steps(item, utcnow()),
        names=units.unit_names(db),
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        page_url=lambda number: url_for("console.feedback_inbox", status=status or None, page=number),
    )


def _item_page(item, reach, errors=None, values=None, status=200, conflict=None):
    db = tenant_session()
    names = units.unit_names(db)
    today = dt.datetime.now(VIETNAM).date()
    open_units = [(unit.id, unit.name) for unit in units.list_units(db, units.UnitFilter(active_on=today))]
    defaults = {
        "public_title": feedback.redacted(item.title),
        "public_content": feedback.redacted(item.content),
        "public_answer": feedback.redacted(item.answer or ""),
        "unit_id": str(item.unit_id or ""),
    }
    page = render_template(
        "console/feedback_item.html",
        item=item,
        reach=reach,
        word=labels.word,
        labels=labels,
        late=feedback.late_steps(item, utcnow()),
        unit_name=names.get(item.unit_id, ""),
        unit_options=open_units,
        errors=errors or {},
        values=defaults | (values or {}),
        conflict=conflict,
    )
    return page, status


@console.get("/feedback/<int:item_id>")
@staff_required
def feedback_item(item_id: int):
    reach = _reach()
    try:
        item = feedback.handled(tenant_session(), reach, item_id)
    except NotFound:
        abort(404)
    return _item_page(item, reach)


@console.post("/feedback/<int:item_id>/<action>")
@staff_required
def feedback_act(item_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    db = tenant_session()
    reach = _reach()
    if action == "assign" and not reach.province:
        abort(403)
    try:
        item = feedback.handled(db, reach, item_id, lock=True)
    except NotFound:
        abort(404)
    typed = {name: request.form.get(name) or "" for name in ACTIONS[action]}
    actor = session.actor()
    try:
        if action == "assign":
            raw = typed["unit_id"]
            unit_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
            feedback.assign(db, actor, reach, item, unit_id)
        elif action == "reject":
            feedback.reject(db, actor, item, typed["reason"])
        elif action == "request_info":
            feedback.request_info(db, actor, item, typed["request"])
        elif action == "answer":
            feedback.answer(db, actor, item, typed["answer"])
        else:
            feedback.publish(db, actor, item, typed["public_title"], typed["public_content"], typed["public_answer"])
    except InvalidInput as error:
        return _item_page(item, reach, errors=error.errors, values=typed, status=422)
    except (Conflict, NotFound) as error:
        return _item_page(item, reach, conflict=str(error.message), status=409)
    notices.step(db, item, action, locale=current_tenant().locale)  # sent by the minute's drain
    flash(_("Saved."), "success")
    return redirect(url_for("console.feedback_item", item_id=item_id), 303)
