"""Tenants: the list of every province (status, contract, usage at a glance, domains), one province with
its domains, creating one (the API's provisioning service and job) and watching its provisioning."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_billing.reports.services import glance
from motcua_platform.db.base import utcnow
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.pages.blueprint import field_errors
from motcua_platform.web.context import control_session, runtime
from motcua_tenants.registry import services as registry
from motcua_tenants.registry.api import enqueue_job, invalidate_hosts

from motcua_console.operator import labels, nav, session
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator

CREATE_FIELDS = ("slug", "name", "display_name", "unit_code", "primary_color", "secondary_color", "domains")
ADMIN_FIELDS = ("admin_email", "admin_name")


@operator.get("/tenants")
@operator_required(*nav.READERS)
def tenants():
    db = control_session()
    rows = registry.list_tenants(db)
    # Computed on every request from the ledger's daily roll-up: a few milliseconds whatever the usage, so
    # no cache (docs/decisions/0028-usage-daily-roll-up.md). The page says when, as drained usage lags.
    as_of = utcnow()
    usage = glance(db, [tenant.id for tenant in rows], now=as_of)
    return render_template("console/operator/tenants.html", tenants=rows, usage=usage, usage_as_of=as_of)


def _tenant_page(slug: str, errors: dict | None = None, domain: str = "", status: int = 200):
    db = control_session()
    tenant = get_tenant(db, slug)
    job = registry.latest_job(db, tenant.id)
    usage = glance(db, [tenant.id]).get(tenant.id)
    page = render_template(
        "console/operator/tenant.html", tenant=tenant, job=job, usage=usage, errors=errors or {}, domain=domain
    )
    return page, status


@operator.get("/tenants/<slug>")
@operator_required(*nav.READERS)
def tenants_show(slug: str):
    return _tenant_page(slug)


# -- create and watch --------------------------------------------------------------------------------
def _create_page(values: dict, errors: dict, status: int = 200):
    return render_template("console/operator/tenant_new.html", values=values, errors=errors), status


@operator.route("/tenants/new", methods=["GET", "POST"])
@operator_required(*nav.MANAGERS)
def tenants_new():
    if request.method == "GET":
        return _create_page({"primary_color": "#b71c1c", "secondary_color": "#ffc107"}, {})
    values = {name: (request.form.get(name) or "").strip()[:300] for name in CREATE_FIELDS + ADMIN_FIELDS}
    password = request.form.get("admin_password") or ""
    db = control_session()
    try:
        spec = registry.TenantSpec(
            slug=values["slug"],
            name=values["name"],
            unit_code=values["unit_code"],
            display_name=values["display_name"] or None,
            domains=[d for d in values["domains"].replace(",", " ").split() if d],
            # a colour left out is the API's default (the form's colour pickers always send one)
            **{name: values[name] for name in ("primary_color", "secondary_color") if values[name]},
        )
        if values["admin_email"] or password:
            _check_admin(values, password)
            spec.set_admin(values["admin_email"], values["admin_name"] or values["admin_email"], password[:200])
        job = registry.create_tenant(db, session.actor(), spec, base_domain=runtime().config.base_domain)
    except InvalidInput as error:
        return _create_page(values, field_errors(error.errors), 422)
    invalidate_hosts()
    enqueue_job(job)
    return redirect(url_for("operator.tenants_job", slug=spec.slug, job_id=job.id), 303)


def _check_admin(values: dict, password: str) -> None:
    errors = {}
    if "@" not in values["admin_email"]:
        errors["admin_email"] = [_("Enter the first administrator’s e-mail.")]
    if not password:
        errors["admin_password"] = [_("Enter the first administrator’s password.")]
    if errors:
        raise InvalidInput(_("The tenant could not be created."), errors)


def _job_of(slug: str, job_id: int):
    db = control_session()
    tenant = get_tenant(db, slug)
    job = registry.get_job(db, job_id)
    if job.tenant_id != tenant.id:
        raise NotFound(_("Tenant '%(slug)s' has no job %(job_id)s.", slug=slug, job_id=job_id))
    return tenant, job


def _step_states(steps, current: str, status: str):
    """Each step with "done", "current", "failed" or "todo": the job reports the step it is on."""
    codes = [code for code, _label in steps]
    reached = codes.index(current) if current in codes else -1
    for index, (code, label) in enumerate(steps):
        if status == "succeeded" or index < reached:
            state = "done"
        elif index == reached:
            state = "failed" if status == "failed" else "current"
        else:
            state = "todo"
        yield code, label, state


def job_state(tenant, job) -> dict:
    """What the progress page shows, and what its script reads again while the job runs."""
    steps = labels.JOB_STEPS.get(job.kind, ())
    finished = job.status in ("succeeded", "failed")
    return {
        "status": job.status,
        "status_label": labels.job_status(job.status),
        "step": job.step,
        "step_label": labels.step(job.kind, job.step),
        "progress": job.progress,
        "error": job.error if job.status == "failed" else None,
        "finished": finished,
        "tenant_status": tenant.status,
        "tenant_status_label": labels.tenant_status(tenant.status),
        "steps": [
            {"code": code, "label": str(label), "state": state, "state_label": str(labels.STEP_STATE[state])}
            for code, label, state in _step_states(steps, job.step, job.status)
        ],
    }


@operator.get("/tenants/<slug>/jobs/<int:job_id>")
@operator_required(*nav.READERS)
def tenants_job(slug: str, job_id: int):
    tenant, job = _job_of(slug, job_id)
    return render_template("console/operator/job.html", tenant=tenant, job=job, state=job_state(tenant, job))


@operator.get("/tenants/<slug>/jobs/<int:job_id>/status")
@operator_required(*nav.READERS)
def tenants_job_status(slug: str, job_id: int):
    """The job's progress as JSON, for the progress page's script (the page itself works without it)."""
    tenant, job = _job_of(slug, job_id)
    return jsonify(job_state(tenant, job))


@operator.post("/tenants/<slug>/provision")
@operator_required(*nav.MANAGERS)
def tenants_provision(slug: str):
    """Run provisioning again after a failure (a new job, whose progress page follows)."""
    job = registry.retry_provision(control_session(), session.actor(), slug)
    enqueue_job(job)
    return redirect(url_for("operator.tenants_job", slug=slug, job_id=job.id), 303)


# -- domains ---------------------------------------------------------------------------------------
@operator.post("/tenants/<slug>/domains")
@operator_required(*nav.MANAGERS)
def tenants_domain_add(slug: str):
    domain = (request.form.get("domain") or "").strip()[:253]
    if not domain:
        return _tenant_page(slug, {"domain": [_("Enter a domain, such as dichvucong.example.gov.vn.")]}, domain, 422)
    try:
        registry.add_domain(control_session(), session.actor(), slug, domain, base_domain=runtime().config.base_domain)
    except InvalidInput as error:
        messages = [m for problems in field_errors(error.errors).values() for m in problems]
        return _tenant_page(slug, {"domain": messages}, domain, 422)
    except Conflict as error:
        return _tenant_page(slug, {"domain": [str(error.message)]}, domain, 409)
    invalidate_hosts()
    return redirect(url_for("operator.tenants_show", slug=slug, _anchor="domains"), 303)


@operator.post("/tenants/<slug>/domains/remove")
@operator_required(*nav.MANAGERS)
def tenants_domain_remove(slug: str):
    registry.remove_domain(control_session(), session.actor(), slug, request.form.get("domain") or "")
    invalidate_hosts()
    return redirect(url_for("operator.tenants_show", slug=slug, _anchor="domains"), 303)
