"""The portal's branding (name, logo, colours, contact details, footer) with a preview: the same service,
rule and audit records as ``PATCH /api/v1/branding`` and ``PUT /api/v1/branding/logo`` (``branding/api.py``:
its ``_admin``, ``after_change``). The preview panel is drawn by the server from the form's values (the
"Preview" button re-renders the page and saves nothing); ``branding-preview.js`` redraws it as the admin
types. Its colours come from a stylesheet of their own (``/console/branding/preview.css``): the CSP allows
no inline style."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_platform.branding import BRANDING_FIELDS, HEX_COLOUR, MIN_CONTRAST, logo_digest, readable_on, text_contrast
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import InvalidInput
from motcua_platform.web.context import control_session, current_tenant, tenant_session
from motcua_tenants.branding import services
from motcua_tenants.branding.api import after_change, branding_admin, objects_of

from motcua_console import session
from motcua_console.blueprint import console
from motcua_console.config_access import province_admin_required

FORM_FIELDS = ("display_name", "primary_color", "secondary_color", *BRANDING_FIELDS)
DEFAULT_PRIMARY, DEFAULT_ACCENT = "#9b1c1c", "#d4a017"


def _current() -> dict:
    """The brand as it is now (the control plane's), read after ``branding_admin()`` has ended the tenant's
    read-only transaction, as the API's routes do: the two sessions' transactions never interleave."""
    return services.branding_view(get_tenant(control_session(), current_tenant().slug))


def _form_values() -> dict[str, str]:
    return {name: (request.form.get(name) or "").strip() for name in FORM_FIELDS}


def _colour(value: str | None, default: str) -> str:
    return value.lower() if value and HEX_COLOUR.match(value) else default


def _page(values: dict, *, errors: dict | None = None, previewing: bool = False, status: int = 200):
    current = _current()
    primary = _colour(values.get("primary_color"), DEFAULT_PRIMARY)
    page = render_template(
        "console/config/branding.html",
        values=values,
        current=current,
        errors=errors or {},
        previewing=previewing,
        preview_css=url_for(
            "console.branding_preview_css",
            primary=primary,
            accent=_colour(values.get("secondary_color"), DEFAULT_ACCENT),
        ),
        contrast=round(text_contrast(primary), 1),
        min_contrast=MIN_CONTRAST,
        readable=text_contrast(primary) >= MIN_CONTRAST,
    )
    return page, status


@console.get("/branding")
@province_admin_required
def branding():
    branding_admin()
    current = _current()
    return _page({name: current.get(name) or "" for name in FORM_FIELDS})


@console.post("/branding")
@province_admin_required
def branding_save():
    """ "Preview" draws the page with the values typed and saves nothing; "Save" changes what differs from
    the brand as it is now, all or none, as ``PATCH /api/v1/branding``."""
    branding_admin()
    values = _form_values()
    if request.form.get("action") != "save":
        return _page(values, previewing=True)
    current = _current()
    changes = {name: value for name, value in values.items() if value != (current.get(name) or "")}
    if not changes:
        flash(_("Nothing changed: the branding is as it was."), "info")
        return redirect(url_for("console.branding"), 303)
    slug = current_tenant().slug
    db = control_session()
    before = logo_digest(get_tenant(db, slug).logo_url)
    try:
        tenant = services.update_branding(
            db, session.actor(), slug, changes, allowed=services.PROVINCE_FIELDS, tenant_audit=tenant_session()
        )
    except InvalidInput as error:
        errors = {name: [str(m) for m in messages] for name, messages in error.errors.items()}
        return _page(values, errors=errors, previewing=True, status=422)
    after_change(slug, before, logo_digest(tenant.logo_url))
    flash(_("The branding is saved: the portal shows it now."), "success")
    return redirect(url_for("console.branding"), 303)


@console.post("/branding/logo")
@province_admin_required
def branding_logo():
    """Upload the logo, as ``PUT /api/v1/branding/logo`` (PNG or JPEG by content, at most 512 KB)."""
    branding_admin()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        current = _current()
        values = {name: current.get(name) or "" for name in FORM_FIELDS}
        return _page(values, errors={"file": [_("Choose a PNG or JPEG file.")]}, status=422)
    slug = current_tenant().slug
    try:
        with upload.stream as stream:
            _tenant, replaced = services.set_logo(
                control_session(), objects_of(slug), session.actor(), slug, stream, tenant_audit=tenant_session()
            )
    except services.PayloadTooLarge as error:
        return _logo_error(error, 413)
    except InvalidInput as error:
        return _logo_error(error, 422)
    after_change(slug, replaced, None)
    flash(_("The logo is uploaded: the portal shows it now."), "success")
    return redirect(url_for("console.branding"), 303)


def _logo_error(error, status: int):
    current = _current()
    values = {name: current.get(name) or "" for name in FORM_FIELDS}
    messages = error.errors.get("file") or [error.message]
    return _page(values, errors={"file": [str(m) for m in messages]}, status=status)


@console.post("/branding/logo/remove")
@province_admin_required
def branding_logo_remove():
    """No logo on the portal, as ``PATCH /api/v1/branding`` with ``logo_url: null``."""
    branding_admin()
    slug = current_tenant().slug
    db = control_session()
    before = logo_digest(get_tenant(db, slug).logo_url)
    if before is not None:
        services.update_branding(
            db,
            session.actor(),
            slug,
            {"logo_url": None},
            allowed=services.PROVINCE_FIELDS,
            tenant_audit=tenant_session(),
        )
        after_change(slug, before, None)
    flash(_("The portal shows no logo now."), "success")
    return redirect(url_for("console.branding"), 303)


@console.get("/branding/preview.css")
@province_admin_required
def branding_preview_css():
    """The preview panel's colours (any value that is not #rrggbb falls back to the default)."""
    primary = _colour(request.args.get("primary"), DEFAULT_PRIMARY)
    accent = _colour(request.args.get("accent"), DEFAULT_ACCENT)
    body = (
        f".brand-preview {{ --preview-brand: {primary}; --preview-brand-text: {readable_on(primary)}; "
        f"--preview-accent: {accent}; }}\n"
    )
    response = Response(body, mimetype="text/css")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
