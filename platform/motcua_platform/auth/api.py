"""Login on either kind of host, ``/me``, operator accounts (platform) and staff accounts (tenant)."""

from flask import request
from flask.views import MethodView

from motcua_platform.auth import services
from motcua_platform.auth.models import OperatorRole, StaffRoleName
from motcua_platform.auth.schemas import (
    LoginSchema,
    MeSchema,
    OperatorSchema,
    OperatorUpdateSchema,
    StaffPasswordChangeSchema,
    StaffPasswordResetSchema,
    StaffQueryArgsSchema,
    StaffSchema,
    StaffUnlockSchema,
    StaffUpdateSchema,
    TokenSchema,
)
from motcua_platform.auth.services import LoginPolicy
from motcua_platform.auth.units import unit_tree
from motcua_platform.errors import Forbidden, ServiceError
from motcua_platform.i18n import _
from motcua_platform.tenancy import PLATFORM
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import (
    control_session,
    current_tenant,
    runtime,
    site,
    site_names,
    site_scope,
    site_session,
    tenant_session,
)
from motcua_platform.web.principals import actor, current_principal
from motcua_platform.web.ratelimit import count_account_attempt

auth_blp = Blueprint(
    "auth",
    __name__,
    url_prefix="/api/v1",
    realm="any",
    description="Log in and see who you are, on the platform host or a tenant host.",
)
operators_blp = Blueprint(
    "operators",
    __name__,
    url_prefix="/api/v1/operators",
    realm="platform",
    description="Vendor operator accounts (admin role).",
)
staff_blp = Blueprint(
    "staff",
    __name__,
    url_prefix="/api/v1/staff",
    realm="tenant",
    description="A province's staff accounts and their roles on units (tenant admin).",
)


def login_policy() -> LoginPolicy:
    import datetime as dt

    config = runtime().config
    return LoginPolicy(
        max_failures=config.login_max_failures,
        lock_seconds=config.login_lock_seconds,
        token_ttl=dt.timedelta(hours=config.token_ttl_hours),
    )


@auth_blp.route("/auth/login", methods=["POST"])
@auth_blp.arguments(LoginSchema)
@auth_blp.response(201, TokenSchema)
@auth_blp.doc(security=[])
def login(body):
    """Exchange e-mail and password for an access token valid on this host only.

    Operators log in on the platform host, staff on their province's host. After
    `MOTCUA_LOGIN_MAX_FAILURES` failures in a row from one address, that address is locked out of the
    account for a while, doubling at each further failure (429 with Retry-After); other addresses are not.
    Each address has `MOTCUA_ACCOUNT_ATTEMPTS_PER_MINUTE` attempts a minute over all accounts (429)."""
    count_account_attempt()
    session = site_session()
    try:
        token, expires_at, principal = services.login(
            session,
            email=body["email"],
            password=body["password"],
            scope=site_scope(),
            policy=login_policy(),
            remote_addr=request.remote_addr,
        )
    except ServiceError:
        session.commit()  # keep the failed-attempt count, which the error's rollback would undo
        raise
    return {
        "token": token,
        "expires_at": expires_at,
        "scope": site_scope(),
        "must_change_password": principal.must_change_password,
    }


@auth_blp.route("/auth/logout", methods=["POST"])
@auth_blp.response(204)
def logout():
    """Revoke the token used for this request."""
    from motcua_platform.web.principals import bearer_secret

    current_principal()
    services.logout(site_session(), scope=site_scope(), secret=bearer_secret())


@auth_blp.route("/me")
@auth_blp.response(200, MeSchema)
def me():
    """The caller's account, roles and (on a tenant host) the tenant."""
    principal = current_principal()
    tenant = None
    if site() != PLATFORM:
        info = current_tenant()
        tenant = {"slug": info.slug, "name": info.name, "display_name": info.display_name}
    return {
        "kind": principal.kind,
        "id": principal.id,
        "email": principal.email,
        "full_name": principal.full_name,
        "scope": principal.scope,
        "roles": [{"role": r, "unit_id": u} for r, u in principal.roles],
        "tenant": tenant,
        "must_change_password": principal.must_change_password,
    }


@operators_blp.route("")
class Operators(MethodView):
    @operators_blp.response(200, OperatorSchema(many=True))
    def get(self):
        """List operator accounts."""
        current_principal(OperatorRole.ADMIN)
        return services.list_operators(control_session())

    @operators_blp.arguments(OperatorSchema)
    @operators_blp.response(201, OperatorSchema)
    def post(self, body):
        """Create an operator account (operator, finance or admin)."""
        current_principal(OperatorRole.ADMIN)
        session = control_session()
        operator = services.create_operator(session, actor(), **body)
        return operator


@operators_blp.route("/<int:operator_id>", methods=["PATCH"])
@operators_blp.arguments(OperatorUpdateSchema)
@operators_blp.response(200, OperatorSchema)
def update_operator(body, operator_id):
    """Activate or deactivate an operator account.

    Deactivating revokes every token of the account at once. Nobody deactivates their own account, and the
    last active admin account stays (409). Audited as `operator.activate`/`operator.deactivate`."""
    current_principal(OperatorRole.ADMIN)
    return services.set_operator_active(control_session(), actor(), operator_id, body["active"])


def covered_units() -> set[int]:
    """The units under the caller's tenant-admin roles (their whole subtrees)."""
    principal = current_principal(StaffRoleName.TENANT_ADMIN)
    return unit_tree().subtree_ids(tenant_session(), principal.units_with(StaffRoleName.TENANT_ADMIN))


@staff_blp.route("")
class StaffCollection(MethodView):
    @staff_blp.arguments(StaffQueryArgsSchema, location="query")
    @staff_blp.response(200, StaffSchema(many=True))
    def get(self, args):
        """List the staff accounts with a role in the caller's units (all of them for a province admin);
        filter by a unit they hold a role on, a role, or whether the account is active."""
        return services.list_staff(tenant_session(), covered_units(), services.StaffFilter(**args))

    @staff_blp.arguments(StaffSchema)
    @staff_blp.response(201, StaffSchema)
    def post(self, body):
        """Create a staff account with roles on units."""
        principal = current_principal(StaffRoleName.TENANT_ADMIN)
        session = tenant_session()
        staff = services.create_staff(
            session,
            actor(),
            email=body["email"],
            full_name=body["full_name"],
            password=body["password"],
            roles=[(r["role"], r["unit_id"]) for r in body["roles"]],
            site=site_names(),
            admin_units=principal.units_with(StaffRoleName.TENANT_ADMIN),
            must_change_password=body["must_change_password"],
        )
        return staff


@staff_blp.route("/me/password", methods=["POST"])
@staff_blp.arguments(StaffPasswordChangeSchema)
@staff_blp.response(204)
def change_own_password(body):
    """Replace the caller's own password (any staff role); every other token of the account is revoked,
    this one stays valid, and the must-change flag of a temporary password is cleared.

    A wrong current password, or a new one the policy refuses (too guessable, built from the name, e-mail
    or the province), is a 422 naming the field. Audited as `staff.password`."""
    from motcua_platform.web.principals import bearer_secret

    principal = current_principal()
    if principal.kind != "staff":
        raise Forbidden(_("This action is for staff accounts."))
    services.change_own_password(
        tenant_session(),
        actor(),
        principal.id,
        current=body["current_password"],
        new=body["new_password"],
        keep_secret=bearer_secret(),
        site=site_names(),
    )


@staff_blp.route("/<int:staff_id>")
class StaffItem(MethodView):
    @staff_blp.response(200, StaffSchema)
    def get(self, staff_id):
        """One staff account with a role in the caller's units."""
        return services.get_staff(tenant_session(), staff_id, covered_units())

    @staff_blp.arguments(StaffUpdateSchema)
    @staff_blp.response(200, StaffSchema)
    def patch(self, body, staff_id):
        """Change a staff account's full name, roles (the list replaces them all) or whether it is active.

        The account's roles, old and new, must all lie in the caller's units (403); units must exist (422).
        The province keeps at least one active tenant admin on the province itself (409), and nobody
        deactivates their own account (409). Audited as `staff.update` (what changed) and
        `staff.activate`/`staff.deactivate`; a role change applies to the account's next request."""
        covered = covered_units()
        return services.update_staff(
            tenant_session(),
            actor(),
            staff_id,
            covered,
            full_name=body.get("full_name"),
            roles=[(r["role"], r["unit_id"]) for r in body["roles"]] if "roles" in body else None,
            active=body.get("active"),
        )


@staff_blp.route("/<int:staff_id>/reset-password", methods=["POST"])
@staff_blp.response(200, StaffPasswordResetSchema, headers={"Cache-Control": {"schema": {"type": "string"}}})
def reset_staff_password(staff_id):
    """Give a staff account a random temporary password, shown in this answer only; end all its sessions.

    Every token of the account is revoked and its login locks lifted. The caller's units must cover every
    role of the account (404 outside them, 403 when it also holds roles elsewhere); an admin cannot reset
    their own password here (409). Audited as `staff.password_reset`, without the password."""
    covered = covered_units()
    result = services.reset_staff_password(tenant_session(), actor(), staff_id, covered)
    return result, 200, {"Cache-Control": "no-store"}


@staff_blp.route("/<int:staff_id>/unlock", methods=["POST"])
@staff_blp.response(200, StaffUnlockSchema)
def unlock_staff(staff_id):
    """Lift a staff account's login locks and failure counts, from every address.

    Same scope as the other staff changes (404, 403). Audited as `staff.unlock`."""
    covered = covered_units()
    return services.unlock_staff(tenant_session(), actor(), staff_id, covered)
