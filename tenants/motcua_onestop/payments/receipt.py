"""The receipt of a paid payment, as a PDF with a QR code: the province, the dossier and its procedure, the
applicant, each fee line and the total, how it was paid (the gateway's transaction or the counter's
reference) and when. It is the province's confirmation of the payment; the legal e-receipt (biên lai điện
tử, Decree 11/2020) is issued by the province's accounting system, which this is not connected to. The
layout is the forms' (fpdf2's ``write_html``, the QR as a data URI); the text here is escaped. No Flask."""

from __future__ import annotations

import json
from pathlib import Path

from markupsafe import escape
from motcua_platform.errors import Conflict
from motcua_platform.i18n import _
from motcua_platform.tenant_context import TenantContext
from motcua_platform.timezones import VIETNAM
from sqlalchemy.orm import Session

from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.forms.rendering import html_to_pdf, qr_data_uri
from motcua_onestop.dossiers.forms.services import Issuer
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.payments.models import Payment, PaymentState

METHODS = {"online": "Trực tuyến qua cổng thanh toán", "cash": "Tiền mặt tại quầy", "transfer": "Chuyển khoản"}


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def number(payment: Payment) -> str:
    """The receipt's number: the payment's id within the province, with the year it was paid."""
    return f"BL-{payment.paid_at.astimezone(VIETNAM):%Y}-{payment.id:06d}"


def render(session: Session, payment: Payment, dossier: Dossier, tenant: TenantContext, font: Path) -> bytes:
    if payment.state not in (PaymentState.PAID, PaymentState.REFUNDED):
        raise Conflict(_("Payment %(id)s is not paid: it has no receipt.", id=payment.id))
    procedure = dossiers.procedure_of(session, dossier)
    issuer = Issuer(tenant.name, tenant.display_name, tenant.public_url)
    paid_at = payment.paid_at.astimezone(VIETNAM)
    qr = qr_data_uri(
        json.dumps(
            {
                "bien_lai": number(payment),
                "ma_ho_so": dossier.code,
                "so_tien": payment.amount,
                "thoi_gian": paid_at.isoformat(timespec="seconds"),
                "tra_cuu": issuer.tracking_url(dossier.code),
            },
            ensure_ascii=False,
        )
    )
    rows = "".join(
        f'<tr><td>{escape(line["name"])}</td><td align="right">{escape(money(int(line["amount"])))}</td></tr>'
        for line in dossier.fees
        if int(line.get("amount") or 0) > 0
    )
    how = METHODS[payment.method]
    detail = payment.gateway_txn or payment.reference
    refunded = (
        f"<p><b>Đã hoàn trả ngày {payment.refunded_at.astimezone(VIETNAM):%d/%m/%Y %H:%M}.</b></p>"
        if payment.refunded_at
        else ""
    )
    html = f"""
<img src="{qr}" width="28" height="28">
<p align="center">{escape(issuer.agency)}</p>
<h1 align="center">BIÊN NHẬN THANH TOÁN PHÍ, LỆ PHÍ</h1>
<p align="center">Số: {escape(number(payment))}</p>
<p>Mã hồ sơ: <b>{escape(dossier.code)}</b></p>
<p>Thủ tục: {escape(procedure.name_vi)} ({escape(procedure.code)})</p>
<p>Người nộp: {escape(dossier.applicant_name)}</p>
<table width="100%" border="1">
<thead><tr><th width="70%">Khoản phí, lệ phí</th><th width="30%">Số tiền</th></tr></thead>
<tbody>{rows}<tr><td><b>Tổng cộng</b></td><td align="right"><b>{escape(money(payment.amount))}</b></td></tr>
</tbody></table>
<p>Hình thức thanh toán: {escape(how)}{f" ({escape(detail)})" if detail else ""}</p>
<p>Thời gian thanh toán: {paid_at:%d/%m/%Y %H:%M}</p>
{refunded}
<p>Tra cứu hồ sơ: {escape(issuer.tracking_url(dossier.code))}</p>
"""
    return html_to_pdf(html, font, title=f"Biên nhận {number(payment)}", creator=issuer.system)


def filename(payment: Payment) -> str:
    return f"{number(payment)}.pdf"
