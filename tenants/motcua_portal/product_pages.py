"""The platform host's page: what Motcua Cloud is and the provinces it serves, each linked to its portal."""

from __future__ import annotations

from flask import render_template
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.pages.blueprint import front_page
from motcua_platform.runtime import Runtime
from motcua_platform.tenancy import tenant_info
from motcua_platform.tenant_context import public_host
from motcua_platform.web.context import control_session, runtime
from sqlalchemy import select


def _provinces(rt: Runtime) -> list[dict]:
    session = control_session()
    tenants = session.scalars(select(Tenant).where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.display_name))
    provinces = []
    for tenant in tenants:
        info = tenant_info(session, rt.db, tenant)
        url = rt.config.public_url(public_host(info, rt.config.base_domain))
        provinces.append({"name": info.display_name or info.name, "url": url + "/"})
    return provinces


@front_page("platform")
def product_home():
    return render_template("portal/product.html", provinces=_provinces(runtime()))
