"""Every area of the platform, and what each contributes: the one place that knows them all."""

from __future__ import annotations

from motcua_platform.areas import Areas

AREAS = Areas(
    blueprints=(  # the order of the OpenAPI document
        "motcua_platform.auth.api:auth_blp",
        "motcua_tenants.registry.api:blp",
        "motcua_platform.auth.api:operators_blp",
        "motcua_platform.audit.api:platform_blp",
        "motcua_tenants.tenant_plugins.api:blp",
        "motcua_tenants.registry.api:portal_blp",
        "motcua_tenants.branding.api:blp",
        "motcua_tenants.tenant_plugins.province_api:blp",
        "motcua_onestop.units.api:blp",
        "motcua_onestop.calendar.api:blp",
        "motcua_onestop.catalogue.api:blp",
        "motcua_onestop.catalogue.api:admin_blp",
        "motcua_onestop.dossiers.api:blp",
        "motcua_onestop.citizens.api:blp",
        "motcua_onestop.dossiers.citizen_api:blp",
        "motcua_onestop.dossiers.forms.api:blp",
        "motcua_onestop.dossiers.documents.api:blp",
        "motcua_onestop.dossiers.national_api:blp",
        "motcua_onestop.statistics.api:blp",
        "motcua_onestop.faq.api:blp",
        "motcua_onestop.national_sync.api:blp",
        "motcua_onestop.payments.api:blp",
        "motcua_platform.auth.api:staff_blp",
        "motcua_platform.audit.api:tenant_blp",
        "motcua_billing.catalog.api:blp",
        "motcua_billing.usage.api:blp",
        "motcua_billing.invoices.api:blp",
        "motcua_billing.payments.api:blp",
        "motcua_billing.invoices.api:tenant_blp",
    ),
    job_blueprints=(
        ("motcua_tenants.registry.tasks:blueprint", "tenants"),
        ("motcua_platform.ratelimit.tasks:blueprint", "ratelimit"),
        ("motcua_billing.invoices.tasks:blueprint", "billing"),
        ("motcua_onestop.notifications.tasks:blueprint", "notifications"),
        ("motcua_onestop.dossiers.extensions.tasks:blueprint", "notifications"),
        ("motcua_onestop.dossiers.documents.tasks:blueprint", "documents"),
        ("motcua_onestop.calendar.tasks:blueprint", "calendar"),
        ("motcua_onestop.statistics.tasks:blueprint", "statistics"),
        ("motcua_onestop.national_sync.tasks:blueprint", "national_sync"),
        ("motcua_onestop.payments.tasks:blueprint", "payments"),
    ),
    cli_groups=(
        "motcua_tenants.migrations.cli:db",
        "motcua_tenants.registry.cli:tenants",
        "motcua_platform.auth.cli:operators",
        "motcua_tenants.tenant_plugins.cli:plugins",
        "motcua_onestop.catalogue.cli:catalogue",
        "motcua_onestop.payments.cli:payments",
        "motcua_billing.cli:billing",
        "motcua_app.demo:demo",
    ),
    model_modules=("motcua_app.models",),
    pages=("motcua_portal.pages:portal", "motcua_console.pages:console", "motcua_console.operator.pages:operator"),
    connectors=(
        "motcua_onestop.wiring:connect",
        "motcua_billing.wiring:connect",
    ),
    # packages with a translations/ folder of message catalogues, merged after the kernel's (web.locale, i18n)
    translations=("motcua_tenants", "motcua_onestop", "motcua_billing", "motcua_portal", "motcua_console"),
)
