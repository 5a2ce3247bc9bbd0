"""Printable forms of TT 03/2025 Annex I as Vietnamese PDFs: 01–06 for one dossier, 07 (the register) for a
unit between two dates. Each carries a QR code in its top-left corner with the TT 01/2023 Art. 26 fields and
the public tracking URL.

This module decides which form applies and gathers what it prints, as plain strings (the context); the
wording and layout are Jinja2 templates (``templates/NN.html``, or the province's own, see ``overrides``)
that ``rendering`` turns into a PDF.

No Flask here: callers pass the tenant's session, its context (names, and the public URL the QR code's
tracking address uses: the configured one, whichever host the request came in on) and the font.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from motcua_platform.i18n import _, format_date, format_datetime, vnd
from motcua_platform.rendering.pdf import find_font
from motcua_platform.tenant_context import TenantContext
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents.services import verification_url
from motcua_onestop.dossiers.extensions import services as extensions
from motcua_onestop.dossiers.extensions.models import DossierExtension
from motcua_onestop.dossiers.forms import rendering
from motcua_onestop.dossiers.forms.models import FormTemplate
from motcua_onestop.dossiers.models import Dossier, DossierHistory, Status
from motcua_onestop.notifications.services import tracking_url
from motcua_onestop.units.models import Unit

ISSUING_SYSTEM = "Motcua Cloud"
MAX_REGISTER_DAYS = 366

# number → (title printed on the form, short name for the QR "document name")
FORMS: dict[str, str] = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    "05": "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    "06": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "07": "SỔ THEO DÕI HỒ SƠ",
}
DOSSIER_FORMS = ("01", "02", "03", "04", "05", "06")
# The forms addressed to the applicant, which the owner of a dossier downloads too: the receipt (01), the
# supplement request (02), the refusal (03), the apology and extension (04), the stop notice (05). The
# control slip (06) and the register (07) are the administration's own records.
APPLICANT_FORMS = ("01", "02", "03", "04", "05")
TIME_UNITS_VI = {"hours": "giờ", "days": "ngày", "working_days": "ngày làm việc", "months": "tháng"}
ACTION_VI = {
    "intake_online": "Nộp trực tuyến",
    "intake_counter": "Tiếp nhận tại quầy",
    "intake_postal": "Tiếp nhận qua bưu chính",
    **{action: dossiers.STATUS_NAMES[status] for status, action in dossiers.ACTIONS.items()},
    "supplement_done": "Công dân đã bổ sung hồ sơ",
    "step_claim": "Nhận xử lý bước",
    "step_complete": "Hoàn thành bước",
    "step_handoff": "Chuyển bước",
    "step_sign": "Ký số kết quả",
    "document_revision": "Phiên bản mới của tài liệu (đã ký số)",
    "comment": "Ý kiến",
    "extend": "Gia hạn, xin lỗi",
    "late_notice": "Thông báo trễ hạn",
}


@dataclass(frozen=True)
class Issuer:
    """Who prints the form: the province (``name`` like "Tỉnh Alpha") and the public URL (the tenant
    context's) its tracking URL uses."""

    name: str
    display_name: str
    public_url: str

    @property
    def agency(self) -> str:
        name = self.name.strip()
        lowered = name.lower()
        if not (lowered.startswith("tỉnh ") or lowered.startswith("thành phố ")):
            name = f"Tỉnh {name}"
        return f"UBND {name}".upper()

    @property
    def system(self) -> str:
        return f"{ISSUING_SYSTEM} - {self.display_name}"

    def tracking_url(self, code: str) -> str:
        return tracking_url(self.public_url, code)

    def verify_url(self, token: str) -> str:
        """The public verification address of a signed issue (``/verify/<token>`` on the province's portal)."""
        return verification_url(self.public_url, token)


def issuer_of(tenant: TenantContext) -> Issuer:
    return Issuer(name=tenant.name, display_name=tenant.display_name, public_url=tenant.public_url)


# -- formatting ------------------------------------------------------------------------------------
# The forms are Vietnamese legal documents (Thông tư 01/2018/TT-VPCP's models): their wording, in the
# templates, is Vietnamese only, and so are their dates and amounts, formatted by Babel in Vietnamese.
FORM_LOCALE = "vi"
FORM_MINUTE = "HH 'giờ' mm, 'ngày' dd/MM/yyyy"


def _day(moment: dt.datetime | None) -> str:
    return format_date(moment, FORM_LOCALE) if moment else "—"


def _minute(moment: dt.datetime | None) -> str:
    return format_datetime(moment, FORM_LOCALE, pattern=FORM_MINUTE) if moment else "—"


def _status(value: int) -> str:
    return dossiers.STATUS_NAMES[Status(value)]


def _appointment(dossier: Dossier) -> dt.datetime | None:
    return dossier.effective_due_at


# -- which form applies ----------------------------------------------------------------------------
def _last(entries: Sequence[DossierHistory], to_status: Status) -> DossierHistory | None:
    found = [h for h in entries if h.to_status == to_status]
    return found[-1] if found else None


def check_applies(
    dossier: Dossier,
    number: str,
    entries: Sequence[DossierHistory],
    now: dt.datetime,
    extension: DossierExtension | None = None,
) -> None:
    """Conflict (409) with a clear message when form ``number`` does not fit the dossier's state
    (``extension``: the dossier's latest stored extension, which form 04 prints)."""
    state = _(
        "dossier %(code)s is in status %(status)s (%(status_name)s)",
        code=dossier.code,
        status=dossier.status,
        status_name=_status(dossier.status),
    )
    if number in ("01", "06") and dossier.received_at is None:
        raise Conflict(
            _(
                "Form %(number)s applies only to a received dossier; %(state)s and was never received.",
                number=number,
                state=state,
            )
        )
    if number == "02" and _last(entries, Status.SUPPLEMENT) is None:
        raise Conflict(
            _("Form 02 applies only to a dossier asked for a supplement; %(state)s and never was.", state=state)
        )
    if number == "03" and dossier.status != Status.REFUSED:
        raise Conflict(_("Form 03 applies only to a refused dossier (status 3); %(state)s.", state=state))
    if number == "05" and dossier.status != Status.STOPPED:
        raise Conflict(
            _("Form 05 applies only to a dossier whose processing stopped (status 8); %(state)s.", state=state)
        )
    if number == "04" and extension is None:
        raise Conflict(
            _(
                "Form 04 (apology and extension) prints a stored extension and dossier %(code)s has none; "
                "extend it first (POST /api/v1/dossiers/%(code)s/extensions with the reason and apology).",
                code=dossier.code,
            )
        )


# -- QR --------------------------------------------------------------------------------------------
def qr_payload(
    dossier: Dossier,
    procedure: Procedure,
    number: str,
    issuer: Issuer,
    issued_at: dt.datetime,
    verify_url: str | None = None,
) -> str:
    """The QR content (TT 01/2023 Art. 26): dossier code, procedure code, applicant identifier, document
    name, issuing system, issue time; the receipt (01) adds the appointment date; plus the tracking URL, and
    for a signed issue (``forms.signing``) the public verification URL of that very copy."""
    content: dict[str, str] = {
        "ma_ho_so": dossier.code,
        "ma_thu_tuc": procedure.code,
        "ma_dinh_danh": dossier.applicant_citizen_id or "",
        "ten_van_ban": f"Mẫu số {number}: {FORMS[number].capitalize()}",
        "he_thong": issuer.system,
        "thoi_gian_phat_hanh": issued_at.astimezone(VIETNAM).isoformat(timespec="seconds"),
    }
    if number == "01":
        content["ngay_hen_tra"] = _appointment(dossier).astimezone(VIETNAM).isoformat(timespec="seconds")
    content["tra_cuu"] = issuer.tracking_url(dossier.code)
    if verify_url:
        content["xac_thuc"] = verify_url
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def register_qr_payload(unit: Unit, since: dt.date, until: dt.date, issuer: Issuer, issued_at: dt.datetime) -> str:
    return json.dumps(
        {
            "ma_don_vi": unit.code,
            "ten_van_ban": f"Mẫu số 07: {FORMS['07'].capitalize()}",
            "tu_ngay": since.isoformat(),
            "den_ngay": until.isoformat(),
            "he_thong": issuer.system,
            "thoi_gian_phat_hanh": issued_at.astimezone(VIETNAM).isoformat(timespec="seconds"),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


# -- what a form prints: the template's context, plain strings, lists and dicts -------------------
BASIS = "Phụ lục I, Thông tư 03/2025/TT-VPCP"


def _common(number: str, issuer: Issuer, unit: Unit, payload: str, issued_at: dt.datetime) -> dict[str, Any]:
    local = issued_at.astimezone(VIETNAM)
    return {
        "form": {"number": number, "title": FORMS[number], "basis": BASIS, "landscape": number == "07"},
        "issuer": {
            "agency": issuer.agency,
            "name": issuer.name,
            "display_name": issuer.display_name,
            "system": issuer.system,
        },
        "unit": {"name": unit.name, "code": unit.code},
        "qr": rendering.qr_data_uri(payload),
        "issued": {
            "date": f"{local:%d/%m/%Y}",
            "day": f"{local:%d}",
            "month": f"{local:%m}",
            "year": f"{local:%Y}",
            "place_date": f"Ngày {local:%d} tháng {local:%m} năm {local:%Y}",
        },
    }


def _dossier(dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "applicant_name": dossier.applicant_name,
        "applicant_citizen_id": dossier.applicant_citizen_id or "",
        "applicant_contact": dossier.applicant_contact or "",
        "submitted_at": _minute(dossier.submitted_at),
        "received_at": _minute(dossier.received_at),
        "due_at": _minute(dossier.due_at),
        "extended_due_at": _minute(dossier.extended_due_at) if dossier.extended_due_at else "",
        "appointment": _minute(_appointment(dossier)),
        "status": _status(dossier.status),
        "fees": [
            {"name": fee["name"], "amount": vnd(int(fee["amount"]), FORM_LOCALE), "note": fee.get("note") or ""}
            for fee in dossier.fees or []
        ],
        "total_fee": vnd(int(dossier.total_fee), FORM_LOCALE),
    }


def _procedure(procedure: Procedure) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "name": procedure.name_vi,
        "version": str(procedure.version),
        "time_limit": (
            f"{procedure.time_limit_value} {TIME_UNITS_VI.get(procedure.time_limit_unit, procedure.time_limit_unit)}"
        ),
        "documents": [
            {
                "name": document.get("name", ""),
                "kind": "bản chính" if document.get("original") else "bản sao",
                "count": document.get("count", 1),
            }
            for document in procedure.documents or []
        ],
    }


def _event(entry: DossierHistory | None) -> dict[str, str]:
    """The transition a form answers (the supplement request, the refusal, the stop): when and why."""
    return {"at": _minute(entry.at if entry else None), "comment": (entry.comment or "").strip() if entry else ""}


def form_context(
    number: str,
    dossier: Dossier,
    procedure: Procedure,
    entries: Sequence[DossierHistory],
    unit: Unit,
    issuer: Issuer,
    issued_at: dt.datetime,
    extension: DossierExtension | None = None,
    verify_url: str | None = None,
) -> dict[str, Any]:
    """What form ``number`` (01–06) of ``dossier`` prints, for its template; ``verify_url``: a signed issue's
    public verification address (in the QR code, and ``verify_url`` for a template that prints it)."""
    payload = qr_payload(dossier, procedure, number, issuer, issued_at, verify_url)
    context = _common(number, issuer, unit, payload, issued_at)
    context |= {
        "dossier": _dossier(dossier),
        "procedure": _procedure(procedure),
        "tracking_url": issuer.tracking_url(dossier.code),
        "verify_url": verify_url or "",
    }
    if number == "02":
        context["supplement"] = _event(_last(entries, Status.SUPPLEMENT))
    elif number == "03":
        context["refusal"] = _event(_last(entries, Status.REFUSED))
    elif number == "05":
        context["stop"] = _event(_last(entries, Status.STOPPED))
    elif number == "04":
        assert extension is not None  # check_applies
        context["extension"] = {
            "reason": extension.reason,
            "apology": extension.apology,
            "previous_due_at": _minute(extension.previous_due_at),
            # moved before by supplement pauses or earlier extensions
            "moved": extension.previous_due_at != dossier.due_at,
            "new_due_at": _minute(extension.new_due_at),
            "at": _minute(extension.at),
        }
    elif number == "06":
        context["history"] = [
            {
                "index": index,
                "at": _minute(entry.at),
                "action": ACTION_VI.get(entry.action, entry.action),
                "actor": entry.actor,
                "comment": entry.comment or "",
            }
            for index, entry in enumerate(entries, start=1)
        ]
    return context


def register_context(
    unit: Unit,
    since: dt.date,
    until: dt.date,
    rows: Sequence[tuple[Dossier, str]],
    issuer: Issuer,
    issued_at: dt.datetime,
) -> dict[str, Any]:
    """What form 07, the register of ``unit`` between two days, prints, for its template."""
    context = _common("07", issuer, unit, register_qr_payload(unit, since, until, issuer, issued_at), issued_at)
    return context | {
        "period": {"since": f"{since:%d/%m/%Y}", "until": f"{until:%d/%m/%Y}"},
        "count": len(rows),
        "rows": [
            {
                "index": index,
                "code": dossier.code,
                "procedure": code,
                "applicant": dossier.applicant_name,
                "received": _day(dossier.received_at or dossier.submitted_at),
                "due": _day(dossier.effective_due_at),
                "returned": _day(dossier.returned_at),
                "status": _status(dossier.status),
            }
            for index, (dossier, code) in enumerate(rows, start=1)
        ],
    }


def override_of(session: Session, number: str) -> str | None:
    """The province's own template text for form ``number``, or None when it prints the shipped one."""
    row = session.get(FormTemplate, number)
    return row.source if row else None


def _pdf(session: Session, number: str, context: dict[str, Any], font: Path, title: str, creator: str) -> bytes:
    override = override_of(session, number)
    try:
        html = rendering.render_html(number, context, override)
        return rendering.html_to_pdf(html, font, title=title, creator=creator, landscape=number == "07")
    except Exception as exc:
        if override is None:
            raise
        # checked with sample data when saved, a province's template can still meet data the sample lacks
        raise Conflict(
            _(
                "The province's own template of form %(number)s does not print this dossier (%(exc)s); "
                "correct it (PUT /api/v1/form-templates/%(number)s) or go back to the shipped one (DELETE "
                "the same).",
                number=number,
                exc=exc,
            )
        ) from exc


# -- entry points ----------------------------------------------------------------------------------
def check_applicant_form(number: str) -> None:
    """Forbidden unless form ``number`` is one the applicant receives (``APPLICANT_FORMS``)."""
    if number in DOSSIER_FORMS and number not in APPLICANT_FORMS:
        raise Forbidden(
            _(
                "Form %(number)s is the administration's internal record; the applicant receives forms %(forms)s.",
                number=number,
                forms=", ".join(APPLICANT_FORMS),
            )
        )


def forms_that_apply(
    session: Session, dossier: Dossier, numbers: Sequence[str] = DOSSIER_FORMS, now: dt.datetime | None = None
) -> list[str]:
    """Which of forms ``numbers`` fit the dossier's state now (``check_applies``): the ones ``render_form``
    prints (it refuses the others with the reason)."""
    now = now or utcnow()
    entries = dossiers.history(session, dossier)
    extension = extensions.latest(session, dossier)
    found = []
    for number in numbers:
        try:
            check_applies(dossier, number, entries, now, extension)
        except Conflict:
            continue
        found.append(number)
    return found


def applicant_forms(session: Session, dossier: Dossier, now: dt.datetime | None = None) -> list[str]:
    """The forms addressed to the applicant (``APPLICANT_FORMS``) that fit the dossier's state now: the ones
    its owner can download."""
    return forms_that_apply(session, dossier, APPLICANT_FORMS, now)


def check_form(
    session: Session, dossier: Dossier, number: str, now: dt.datetime
) -> tuple[list[DossierHistory], DossierExtension | None]:
    """NotFound for a number that is no dossier form, a Conflict saying why when form ``number`` does not fit
    the dossier's state; else what the form prints from: the dossier's history and (04) its latest extension."""
    if number not in DOSSIER_FORMS:
        raise NotFound(
            _(
                "No form %(number)s; dossier forms are %(forms)s (07 is the register).",
                number=number,
                forms=", ".join(DOSSIER_FORMS),
            )
        )
    entries = dossiers.history(session, dossier)
    extension = extensions.latest(session, dossier) if number == "04" else None
    check_applies(dossier, number, entries, now, extension)
    return entries, extension


def answered_at(session: Session, dossier: Dossier, number: str) -> dt.datetime | None:
    """When what form ``number`` answers last happened: the latest supplement request (02), refusal (03),
    extension (04) or stop (05); for the receipt (01), the latest event that moves the appointment it prints
    (an extension, or a supplement request, which pauses the clock); None for the control slip (06). A copy
    issued before that prints what is no longer so (``forms.signing.current_issue``)."""
    if number in ("01", "04"):
        extension = extensions.latest(session, dossier)
        extended = extension.at if extension else None
        if number == "04":
            return extended
        paused = _last(dossiers.history(session, dossier), Status.SUPPLEMENT)
        return max((m for m in (extended, paused.at if paused else None) if m is not None), default=None)
    status = {"02": Status.SUPPLEMENT, "03": Status.REFUSED, "05": Status.STOPPED}.get(number)
    if status is None:
        return None
    entry = _last(dossiers.history(session, dossier), status)
    return entry.at if entry else None


def render_form(
    session: Session,
    dossier: Dossier,
    number: str,
    tenant: TenantContext,
    *,
    font: Path | None = None,
    now: dt.datetime | None = None,
    verify_token: str | None = None,
) -> bytes:
    """Form ``number`` (01–06) for ``dossier`` as PDF bytes; a Conflict when it does not fit the state.
    ``verify_token``: the public verification link of the signed issue being made (``forms.signing``)."""
    now = now or utcnow()
    entries, extension = check_form(session, dossier, number, now)
    issuer = issuer_of(tenant)
    procedure = dossiers.procedure_of(session, dossier)
    unit = session.get(Unit, dossier.receiving_unit_id)
    verify_url = issuer.verify_url(verify_token) if verify_token else None
    context = form_context(number, dossier, procedure, entries, unit, issuer, now, extension, verify_url)
    return _pdf(session, number, context, font or find_font(), f"Mẫu số {number} - {dossier.code}", issuer.system)


def register_rows(session: Session, unit_id: int, since: dt.date, until: dt.date) -> list[tuple[Dossier, str]]:
    """Dossiers submitted to ``unit_id`` between ``since`` and ``until`` (Vietnam-local days, inclusive)."""
    start = dt.datetime.combine(since, dt.time.min, VIETNAM)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, VIETNAM)
    query = (
        select(Dossier, Procedure.code)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Dossier.receiving_unit_id == unit_id, Dossier.submitted_at >= start, Dossier.submitted_at < end)
        .order_by(Dossier.submitted_at, Dossier.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def check_period(since: dt.date, until: dt.date) -> None:
    if until < since:
        raise InvalidInput(_("The period is empty."), {"to": [_("Must be on or after 'from'.")]})
    if (until - since).days >= MAX_REGISTER_DAYS:
        raise InvalidInput(
            _("The period is too long."),
            {"to": [_("At most %(max_register_days)s days after 'from'.", max_register_days=MAX_REGISTER_DAYS)]},
        )


def render_register(
    session: Session,
    unit_id: int,
    since: dt.date,
    until: dt.date,
    tenant: TenantContext,
    *,
    font: Path | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Form 07, the dossier register of ``unit_id`` between ``since`` and ``until`` (inclusive)."""
    check_period(since, until)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("No unit %(unit_id)s.", unit_id=unit_id))
    now = now or utcnow()
    issuer = issuer_of(tenant)
    rows = register_rows(session, unit_id, since, until)
    context = register_context(unit, since, until, rows, issuer, now)
    return _pdf(session, "07", context, font or find_font(), f"Mẫu số 07 - {unit.code}", issuer.system)
