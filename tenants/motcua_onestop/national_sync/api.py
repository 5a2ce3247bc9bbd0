"""The national sync for vendor operators, on the platform host: each province's remote end (settings), the
backlog of every province, the failing rows of one, and "retry now". Each change is the province's own
transaction (its schema), audited there."""

from dataclasses import asdict

from flask.views import MethodView
from motcua_platform.auth.models import OperatorRole
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import runtime
from motcua_platform.web.principals import actor, current_principal

from motcua_onestop.national_sync import backlog
from motcua_onestop.national_sync import settings as sync_settings
from motcua_onestop.national_sync.schemas import (
    NationalSyncBacklogSchema,
    NationalSyncFailureSchema,
    NationalSyncRetrySchema,
    NationalSyncSettingsSchema,
)

blp = Blueprint(
    "national_sync",
    __name__,
    url_prefix="/api/v1",
    realm="platform",
    description="National portal sync: each province's remote end, backlog and failures (operators).",
)

READERS = (OperatorRole.OPERATOR, OperatorRole.ADMIN)
MANAGERS = (OperatorRole.OPERATOR, OperatorRole.ADMIN)


def flat(found: backlog.TenantBacklog) -> dict:
    return {"tenant": found.tenant, "name": found.name, **asdict(found.backlog)}


@blp.route("/national-sync/backlog")
@blp.response(200, NationalSyncBacklogSchema(many=True))
def national_sync_backlog():
    """Every active province's backlog: changes not delivered yet, failing, held, and the oldest waiting."""
    current_principal(*READERS)
    return [flat(found) for found in backlog.overview(runtime().db)]


@blp.route("/tenants/<slug>/national-sync/settings")
class NationalSyncSettingsView(MethodView):
    @blp.response(200, NationalSyncSettingsSchema)
    def get(self, slug):
        """The province's remote end; whether a secret is set, never the secret."""
        current_principal(*READERS)
        db = runtime().db
        with db.tenant_session(db.binding(backlog.active_tenant(db, slug))) as session:
            return sync_settings.describe(sync_settings.current(session))

    @blp.arguments(NationalSyncSettingsSchema)
    @blp.response(200, NationalSyncSettingsSchema)
    def put(self, body, slug):
        """Set the province's remote end (422 with every problem, nothing saved). Without `secret` the
        stored one is kept; switching on needs an address and a secret of at least 32 characters."""
        current_principal(*MANAGERS)
        db = runtime().db
        with db.tenant_session(db.binding(backlog.active_tenant(db, slug))) as session:
            shown = sync_settings.change(session, actor(), **body, local_receivers=runtime().config.testing)
            session.commit()
            return shown


@blp.route("/tenants/<slug>/national-sync/failures")
@blp.response(200, NationalSyncFailureSchema(many=True))
def national_sync_failures(slug):
    """The province's failing rows (tried and failed, or held), oldest change first, with the last error."""
    current_principal(*READERS)
    db = runtime().db
    with db.tenant_session(db.binding(backlog.active_tenant(db, slug))) as session:
        return backlog.failures(session)


@blp.route("/tenants/<slug>/national-sync/failures/<int:row_id>/retry", methods=["POST"])
@blp.response(200, NationalSyncRetrySchema)
@blp.alt_response(409, description="The row was delivered already.")
def retry_national_sync(slug, row_id):
    """Try the row at the next run, its back-off forgotten (a held row is released). Audited."""
    current_principal(*MANAGERS)
    db = runtime().db
    with db.tenant_session(db.binding(backlog.active_tenant(db, slug))) as session:
        result = backlog.retry(session, actor(), row_id)
        session.commit()
        return result
