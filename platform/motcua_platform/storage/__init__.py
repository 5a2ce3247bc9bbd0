"""Object storage for uploaded files: a small interface (``interfaces.ObjectStore``), a local-folder backend
(default) and an S3-compatible one, chosen by ``MOTCUA_STORAGE``. Callers only ever hold a
``TenantObjects`` view, which confines every key to the tenant's own prefix."""
