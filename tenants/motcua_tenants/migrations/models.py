"""Imports every model so each environment's metadata is complete (for autogenerate and ``alembic check``)."""

from motcua_billing.alerts import models as _billing_alert_models  # noqa: F401
from motcua_billing.catalog import models as _billing_catalog_models  # noqa: F401
from motcua_billing.invoices import models as _billing_invoice_models  # noqa: F401
from motcua_billing.payments import models as _billing_payment_models  # noqa: F401
from motcua_billing.usage import models as _billing_usage_models  # noqa: F401
from motcua_platform.audit import models as _audit_models  # noqa: F401
from motcua_platform.auth import models as _auth_models  # noqa: F401
from motcua_platform.db.base import ControlBase, TenantBase

from motcua_tenants.registry import models as _registry_models  # noqa: F401
from motcua_tenants.units import models as _unit_models  # noqa: F401

control_metadata = ControlBase.metadata
tenant_metadata = TenantBase.metadata
