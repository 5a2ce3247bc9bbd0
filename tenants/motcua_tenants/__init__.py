"""Control plane: the tenant registry and lifecycle, custom domains, per-tenant plugin enablement and the
migration runner. It knows what a tenant is, never what a tenant does (that is ``motcua_onestop``)."""
