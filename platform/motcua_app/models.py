"""Imports every model so each environment's metadata is complete (for autogenerate and ``alembic check``)."""

import importlib

from motcua_billing.alerts import models as _billing_alert_models  # noqa: F401
from motcua_billing.catalog import models as _billing_catalog_models  # noqa: F401
from motcua_billing.invoices import models as _billing_invoice_models  # noqa: F401
from motcua_billing.payments import models as _billing_payment_models  # noqa: F401
from motcua_billing.usage import models as _billing_usage_models  # noqa: F401
from motcua_onestop.calendar import models as _calendar_models  # noqa: F401
from motcua_onestop.catalogue import models as _catalogue_models  # noqa: F401
from motcua_onestop.citizens import models as _citizen_models  # noqa: F401
from motcua_onestop.citizens.national_sign_in import models as _national_sign_in_models  # noqa: F401
from motcua_onestop.dossiers import models as _dossier_models  # noqa: F401
from motcua_onestop.dossiers.documents import models as _dossier_document_models  # noqa: F401
from motcua_onestop.dossiers.extensions import models as _dossier_extension_models  # noqa: F401
from motcua_onestop.dossiers.forms import models as _dossier_form_models  # noqa: F401
from motcua_onestop.dossiers.ratings import models as _dossier_rating_models  # noqa: F401
from motcua_onestop.dossiers.workflow import models as _dossier_workflow_models  # noqa: F401
from motcua_onestop.faq import models as _faq_models  # noqa: F401
from motcua_onestop.feedback import models as _feedback_models  # noqa: F401
from motcua_onestop.national_sync import models as _national_sync_models  # noqa: F401
from motcua_onestop.notifications import models as _notification_models  # noqa: F401
from motcua_onestop.payments import models as _payment_models  # noqa: F401
from motcua_onestop.statistics import models as _statistics_models  # noqa: F401
from motcua_onestop.units import models as _unit_models  # noqa: F401
from motcua_platform.audit import models as _audit_models  # noqa: F401
from motcua_platform.auth import models as _auth_models  # noqa: F401
from motcua_platform.directory import models as _tenant_plugin_models  # noqa: F401
from motcua_platform.plugins.engine import active
from motcua_platform.ratelimit import models as _ratelimit_models  # noqa: F401
from motcua_platform.signatures import models as _signature_models  # noqa: F401
from motcua_portal.drafts import models as _portal_draft_models  # noqa: F401
from motcua_tenants.merges import models as _merge_models  # noqa: F401
from motcua_tenants.registry import models as _registry_models  # noqa: F401

for _plugin in active():  # a plugin's tables exist only where the plugin is loaded
    if _plugin.models:
        importlib.import_module(_plugin.models)
