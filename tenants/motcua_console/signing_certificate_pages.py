"""The province's register of signing certificates for its tenant admin: the list (those in use first, the
seal's before the officers', with the officers' names), registering the seal's certificate or an officer's
(a .pem/.cer/.crt file, or pasted PEM text) and retiring one after a confirmation page (no script needed).

The same rule, registry and audit as ``/api/v1/signing-certificates`` (``motcua_platform.signatures.api``):
``province_principal`` on tenant_admin, ``registry.register_seal`` / ``register_officer_certificate`` /
``retire``. A refusal is shown beside the field it is about and the page keeps what was typed; a 4xx answer
rolls the request back, so nothing is half-written."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_platform.auth import services as auth
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.signatures import registry
from motcua_platform.signatures.schemas import MAX_CERTIFICATE_CHARS
from motcua_platform.web.context import tenant_session

from motcua_console import session
from motcua_console.admin_access import covered_units
from motcua_console.blueprint import console
from motcua_console.config_access import province_admin_required

MAX_FILE_BYTES = MAX_CERTIFICATE_CHARS  # as the API's body field: a certificate is a few KB


def _staff_options() -> list[tuple[int, str]]:
    """The active staff accounts an officer's certificate may belong to, by name."""
    rows = auth.list_staff(tenant_session(), covered_units(), auth.StaffFilter(active=True))
    return [(row.id, f"{row.full_name} ({row.email})") for row in sorted(rows, key=lambda row: row.full_name)]


def _page(*, errors: dict | None = None, values: dict | None = None, status: int = 200):
    entries = registry.entries(tenant_session())
    page = render_template(
        "console/config/signing_certificates.html",
        entries=entries,
        has_seal=any(entry.active and entry.certificate.purpose == "seal" for entry in entries),
        staff_options=_staff_options(),
        errors=errors or {},
        values=values or {},
        now=utcnow(),
        registered_by=_who,
    )
    return page, status


def _who(registered_by: str) -> str:
    """The audit actor's label (``staff:12:lan@…`` → ``lan@…``) as people read it."""
    return registered_by.split(":", 2)[-1]


def _upload(prefix: str, values: dict[str, str]) -> tuple[bytes | None, str, dict[str, list[str]]]:
    """The certificate of one form: its file when one is chosen, else the pasted text (kept in ``values`` to
    show again, unless it holds a private key); the field a refusal belongs beside; what is wrong already."""
    upload, text = request.files.get(f"{prefix}_file"), (request.form.get(f"{prefix}_pem") or "")[:MAX_FILE_BYTES]
    # shown again only when it reads as a certificate: a private key (PEM, or bare base64 that names nothing)
    # pasted by mistake is never written back into the page, whichever input is then used
    values[f"{prefix}_pem"] = text if "PRIVATE KEY" not in text and "BEGIN CERTIFICATE" in text else ""
    if upload is not None and upload.filename:
        field = f"{prefix}_file"
        with upload.stream as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return None, field, {field: [_("The file is too large for a certificate.")]}
    elif text.strip():
        field, data = f"{prefix}_pem", registry.certificate_from_text(text)
    else:
        return None, f"{prefix}_file", {f"{prefix}_file": [_("Choose the certificate file, or paste its PEM text.")]}
    if b"PRIVATE KEY" in data:
        # a key pasted by mistake is neither used nor written back into the page (nor the browser's cache)
        values[f"{prefix}_pem"] = ""
        return (
            None,
            field,
            {field: [_("This holds a private key: never give it to the platform. Give the certificate only.")]},
        )
    return data, field, {}


@console.get("/signing-certificates")
@province_admin_required
def signing_certificates():
    return _page()


@console.post("/signing-certificates/seal")
@province_admin_required
def signing_certificate_seal():
    values: dict[str, str] = {}
    data, field, errors = _upload("seal", values)
    if errors:
        return _page(errors=errors, values=values, status=422)
    try:
        row = registry.register_seal(tenant_session(), data, actor=session.actor(), now=utcnow())
    except (InvalidInput, Conflict) as error:
        return _page(errors={field: [str(error.message)]}, values=values, status=error.status)
    flash(
        _("The seal's certificate of %(subject)s is registered: results are sealed with it.", subject=row.subject),
        "success",
    )
    return redirect(url_for("console.signing_certificates", _anchor=f"certificate-{row.id}"), 303)


@console.post("/signing-certificates/officer")
@province_admin_required
def signing_certificate_officer():
    values = {"staff_id": request.form.get("staff_id") or ""}
    data, field, errors = _upload("officer", values)
    raw = values["staff_id"].strip()
    staff_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    if staff_id is None:
        errors["staff_id"] = [_("Choose the staff member who signs with this certificate.")]
    if errors:
        return _page(errors=errors, values=values, status=422)
    try:
        row = registry.register_officer_certificate(
            tenant_session(), data, staff_id=staff_id, actor=session.actor(), now=utcnow()
        )
    except (InvalidInput, Conflict) as error:
        return _page(errors={field: [str(error.message)]}, values=values, status=error.status)
    except NotFound as error:  # the account left, or was deactivated, while the page was open
        return _page(errors={"staff_id": [str(error.message)]}, values=values, status=422)
    entry = registry.entry(tenant_session(), row.id)
    flash(_("The certificate of %(name)s is registered: they can sign with it.", name=entry.staff_name), "success")
    return redirect(url_for("console.signing_certificates", _anchor=f"certificate-{row.id}"), 303)


@console.route("/signing-certificates/<int:certificate_id>/retire", methods=["GET", "POST"])
@province_admin_required
def signing_certificate_retire(certificate_id: int):
    """GET asks first (no signature can be made with it afterwards); the form it shows POSTs here."""
    db = tenant_session()
    entry = registry.entry(db, certificate_id)
    if request.method == "GET":
        if not entry.active:
            return redirect(url_for("console.signing_certificates"), 303)
        return render_template(
            "console/config/signing_certificate_retire.html", entry=entry, now=utcnow(), registered_by=_who
        )
    registry.retire(db, certificate_id, actor=session.actor(), now=utcnow())
    flash(
        _(
            "The certificate of %(subject)s is retired: nothing more is signed with it.",
            subject=entry.certificate.subject,
        ),
        "success",
    )
    return redirect(url_for("console.signing_certificates", _anchor=f"certificate-{certificate_id}"), 303)
