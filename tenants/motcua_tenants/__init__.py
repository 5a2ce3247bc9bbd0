"""Control plane: the tenant registry and lifecycle, units inside a tenant, and tenant migrations."""
