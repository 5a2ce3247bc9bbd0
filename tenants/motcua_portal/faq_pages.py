"""The province's questions and answers (``faq.services``): searched without accents, filtered by field,
each answer unfolded in place (no script needed), and one question's own page to link to. The procedure
page shows the questions about its procedure (``catalogue_pages``)."""

from __future__ import annotations

from flask import render_template, request, url_for
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.faq import services as faq
from motcua_platform.errors import NotFound
from motcua_platform.i18n import current_locale
from motcua_platform.pages.paging import page_number
from motcua_platform.web.context import tenant_context, tenant_session

from motcua_portal.blueprint import portal

PAGE_SIZE = 20
# the procedure page's share: the rest are one link away
ON_PROCEDURE_PAGE = 6


def shown(entry) -> dict[str, str]:
    """The entry in the page's language: English where the province gave it and the page is in English."""
    english = current_locale() == "en" and entry.question_en
    return {
        "id": entry.id,
        "question": entry.question_en if english else entry.question,
        "answer": entry.answer_en if english else entry.answer,
        "field": entry.field or "",
        "procedure_code": entry.procedure_code or "",
    }


@portal.get("/faq")
def faq_list():
    args = {name: (request.args.get(name) or "").strip()[:200] for name in ("q", "field", "procedure")}
    session = tenant_session()
    page = page_number()
    filters = faq.FaqFilter(
        q=args["q"],
        field=args["field"] or None,
        procedure_code=args["procedure"] or None,
        enabled=tuple(tenant_context().enabled),
    )
    entries, total = faq.find(session, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    procedure = None
    if args["procedure"]:
        try:
            procedure = catalogue.get_procedure(session, args["procedure"], tenant_context().enabled)
        except NotFound:
            procedure = None

    def page_url(number: int) -> str:
        return url_for("site.faq_list", **{k: v for k, v in args.items() if v}, page=number)

    return render_template(
        "portal/faq.html",
        args=args,
        entries=[shown(entry) for entry in entries],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        page_url=page_url,
        field_options=[(name, f"{name} ({count})") for name, count in faq.fields_of(session)],
        procedure=procedure,
    )


@portal.get("/faq/<int:entry_id>")
def faq_entry(entry_id: int):
    entry = faq.get_published(tenant_session(), entry_id)
    return render_template("portal/faq_entry.html", entry=shown(entry))


def about_procedure(code: str) -> tuple[list[dict], int]:
    """The first questions about a procedure, for its page, and how many there are."""
    entries, total = faq.for_procedure(tenant_session(), code, limit=ON_PROCEDURE_PAGE)
    return [shown(entry) for entry in entries], total
