"""The province's unit tree. Reading is public (citizens look for the office that serves them);
changes need a tenant-admin role covering the unit.

Every portal page reads the units and they change rarely (administrative reorganisations), so the public
list and tree are served from a per-process cache keyed by the tenant's units version, which every change
here bumps (motcua_platform.directory.content)."""

from flask.views import MethodView
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.cache import TTLCache
from motcua_platform.directory.content import content_changed
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.caching import cached_public_get
from motcua_platform.web.context import tenant_session
from motcua_platform.web.pagination import paginate
from motcua_platform.web.principals import actor, current_principal

from motcua_onestop.units import services
from motcua_onestop.units.models import Unit
from motcua_onestop.units.schemas import UnitQueryArgsSchema, UnitSchema, UnitTreeSchema, UnitUpdateSchema

blp = Blueprint(
    "units",
    __name__,
    url_prefix="/api/v1/units",
    realm="tenant",
    description="Departments, service centres and communes of the province.",
)


# Public list and tree responses per (tenant, units version, path and query); see cached_public_get. The
# entry lifetime bounds staleness should a version bump ever be lost.
PUBLIC_CACHE = TTLCache(max_entries=2048, ttl=30)
cached = cached_public_get(PUBLIC_CACHE, lambda tenant: tenant.units_version)


def _admin_units() -> set[int]:
    return current_principal(StaffRoleName.TENANT_ADMIN).units_with(StaffRoleName.TENANT_ADMIN)


@blp.route("")
class Units(MethodView):
    @cached
    @blp.arguments(UnitQueryArgsSchema, location="query")
    @blp.response(200, UnitSchema(many=True))
    @blp.paginate()
    @blp.doc(security=[])
    def get(self, args, pagination_parameters):
        """List units (public)."""
        session = tenant_session()
        query = services.unit_query(services.UnitFilter(**args))
        return paginate(session, query, pagination_parameters)

    @blp.arguments(UnitSchema)
    @blp.response(201, UnitSchema)
    def post(self, body):
        """Create a unit under a parent the caller administers."""
        admin_units = _admin_units()
        session = tenant_session()
        unit = services.create_unit(session, actor(), admin_units, **body)
        content_changed("units")
        return unit


@blp.route("/tree")
@cached
@blp.response(200, UnitTreeSchema(many=True))
@blp.doc(security=[])
def tree():
    """The whole unit tree, nested (public)."""
    units = services.list_units(tenant_session(), services.UnitFilter())
    columns = [column.key for column in Unit.__table__.columns]
    nodes = {u.id: {**{key: getattr(u, key) for key in columns}, "children": []} for u in units}
    roots = []
    for unit in units:
        (nodes[unit.parent_id]["children"] if unit.parent_id in nodes else roots).append(nodes[unit.id])
    return roots


@blp.route("/<int:unit_id>")
class UnitItem(MethodView):
    @blp.response(200, UnitSchema)
    @blp.doc(security=[])
    def get(self, unit_id):
        """One unit (public)."""
        return services.get_unit(tenant_session(), unit_id)

    @blp.arguments(UnitUpdateSchema)
    @blp.response(200, UnitSchema)
    def patch(self, body, unit_id):
        """Rename, re-code, move or close (valid_to) a unit."""
        admin_units = _admin_units()
        session = tenant_session()
        unit = services.update_unit(session, actor(), admin_units, unit_id, **body)
        content_changed("units")
        return unit

    @blp.response(204)
    def delete(self, unit_id):
        """Delete a unit created by mistake (no sub-units, no staff)."""
        admin_units = _admin_units()
        session = tenant_session()
        services.delete_unit(session, actor(), admin_units, unit_id)
        content_changed("units")
