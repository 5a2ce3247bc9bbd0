"""Database access: one engine per process, tenant binding, embedded server."""

from motcua_platform.db.base import ControlBase, TenantBase
from motcua_platform.db.database import Database, TenantBinding

__all__ = ["ControlBase", "Database", "TenantBase", "TenantBinding"]
