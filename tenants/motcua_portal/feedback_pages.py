"""Feedback and complaints on the portal (``feedback.services``): anyone sends one, with or without an
account, and gets a private link to follow it, answer a request for more and rate the answer; the answers
the province published are public, without personal data. Sending is limited per client address."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_babel import gettext as _
from motcua_onestop.dossiers.ratings.services import named_levels
from motcua_onestop.feedback import labels, notices
from motcua_onestop.feedback import services as feedback
from motcua_platform.audit.services import Actor
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.pages.paging import page_number
from motcua_platform.web.context import current_tenant, tenant_session
from motcua_platform.web.ratelimit import limit_per_client

from motcua_portal import session
from motcua_portal.blueprint import portal
from motcua_portal.rating_pages import read_form

PAGE_SIZE = 20
SUBMISSIONS_PER_MINUTE = 5  # per client address: a person sends one; a script sending hundreds is stopped
FIELDS = ("kind", "category", "title", "content", "dossier_code", "name", "contact")
SENT = "feedback_sent"  # the browser session's one-time note of what was just sent, for the page after it


@portal.get("/feedback")
def feedback_list():
    page = page_number()
    items, total = feedback.published_list(tenant_session(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)

    def page_url(number: int) -> str:
        return url_for("site.feedback_list", page=number)

    return render_template(
        "portal/feedback_list.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        page_url=page_url,
        categories=labels.CATEGORIES,
        word=labels.word,
    )


@portal.get("/feedback/<code>")
def feedback_published(code: str):
    item = feedback.published(tenant_session(), code[:20])
    return render_template("portal/feedback_item.html", item=item, word=labels.word, categories=labels.CATEGORIES)


def _form(values: dict, errors: dict, status: int = 200, repeat: str | None = None):
    page = render_template(
        "portal/feedback_new.html",
        values=values,
        errors=errors,
        repeat=repeat,
        kinds=labels.options(labels.KINDS),
        categories=labels.options(labels.CATEGORIES),
    )
    return page, status


def _starting_values(citizen) -> dict:
    values = {"kind": "reflection", "dossier_code": request.args.get("dossier", "")[:60]}
    if citizen is not None:
        values |= {"name": citizen.full_name, "contact": citizen.login}
    return values


@portal.route("/feedback/new", methods=["GET", "POST"])
def feedback_new():
    citizen = session.signed_in()
    if request.method == "GET":
        return _form(_starting_values(citizen), {})
    limit_per_client("feedback", SUBMISSIONS_PER_MINUTE)
    typed = {name: request.form.get(name) or "" for name in FIELDS}
    repeat = request.form.get("repeat") or None  # the earlier item's private token, from its own page
    data = feedback.Submission(**typed, repeat_of=repeat)
    actor = citizen.actor(request.remote_addr) if citizen else Actor("citizen", None, "portal", request.remote_addr)
    try:
        item, token = feedback.submit(tenant_session(), actor, data, citizen_account_id=citizen.id if citizen else None)
    except InvalidInput as error:
        return _form(typed, error.errors, 422, repeat=repeat)
    link = url_for("site.feedback_mine", token=token, _external=True)
    notices.received(tenant_session(), item, link, locale=current_tenant().locale)  # sent by the minute's drain
    # shown once on the next page (post, redirect, get): a reload sends nothing twice
    browser_session[SENT] = {"code": item.code, "token": token}
    return redirect(url_for("site.feedback_sent"), 303)


@portal.get("/feedback/sent")
def feedback_sent():
    sent = browser_session.pop(SENT, None)
    if not isinstance(sent, dict) or not {"code", "token"} <= sent.keys():
        abort(404)  # shown once, to the browser that sent it
    link = url_for("site.feedback_mine", token=sent["token"], _external=True)
    return _unkept(render_template("portal/feedback_done.html", code=sent["code"], link=link))


@portal.get("/feedback/t/<token>/again")
def feedback_again(token: str):
    """A new submission about the same matter as this one (5.3 counts the earlier as not satisfied)."""
    item = feedback.by_token(tenant_session(), token)
    if item.status not in ("rejected", "answered", "published"):
        abort(404)  # while it is being handled, the person adds to it by replying, not by sending anew
    values = _starting_values(session.signed_in()) | {
        "kind": item.kind,
        "category": item.category,
        "title": item.title,
        "dossier_code": item.dossier_code or "",
    }
    return _form(values, {}, repeat=token)


def _mine(token: str, item, *, errors=None, values=None, conflict=None):
    return _unkept(
        render_template(
            "portal/feedback_mine.html",
            token=token,
            item=item,
            word=labels.word,
            kinds=labels.KINDS,
            categories=labels.CATEGORIES,
            statuses=labels.STATUSES,
            levels=named_levels(),
            errors=errors or {},
            values=values or {},
            conflict=conflict,
        )
    )


def _unkept(page: str):
    """A page that shows or holds a private link: not kept by the browser's cache either."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_actor(item) -> Actor:
    """Whoever holds the item's private link: the account that sent it, if one did, and the address."""
    return Actor("citizen", item.citizen_account_id, "feedback link", request.remote_addr)


@portal.get("/feedback/t/<token>")
def feedback_mine(token: str):
    return _mine(token, feedback.by_token(tenant_session(), token))


@portal.post("/feedback/t/<token>/info")
def feedback_give_info(token: str):
    db = tenant_session()
    item = feedback.by_token(db, token, lock=True)
    try:
        feedback.give_info(db, _link_actor(item), item, request.form.get("info") or "")
    except InvalidInput as error:
        return _mine(token, item, errors=error.errors, values=dict(request.form)), 422
    except Conflict as error:
        return _mine(token, item, conflict=str(error.message)), 409
    flash(_("Thank you: your reply is sent to the office."), "success")
    return redirect(url_for("site.feedback_mine", token=token), 303)


@portal.post("/feedback/t/<token>/rating")
def feedback_rate(token: str):
    db = tenant_session()
    item = feedback.by_token(db, token, lock=True)
    level, _comment = read_form(request.form)
    try:
        feedback.rate(db, _link_actor(item), item, level)
    except InvalidInput as error:
        return _mine(token, item, errors=error.errors, values=dict(request.form)), 422
    except Conflict as error:
        return _mine(token, item, conflict=str(error.message)), 409
    flash(_("Thank you for your rating."), "success")
    return redirect(url_for("site.feedback_mine", token=token), 303)
