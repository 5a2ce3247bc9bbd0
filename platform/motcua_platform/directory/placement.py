"""Where each tenant lives: slug → database server, read from the directory (``control.tenants.server``) and
kept per process for ``seconds`` (``MOTCUA_TENANT_CACHE_SECONDS``, the same time as the host → tenant cache,
so a moved tenant is found on its new server by the time every process sees it resumed; ADR 0055). A slug
not in the map is read again at once: a tenant created after the last read is found without waiting."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from motcua_platform.db.database import MAIN_SERVER, Database
from motcua_platform.directory.models import Tenant


class Placements:
    def __init__(self, db: Database, seconds: float):
        self.db = db
        self.seconds = seconds
        self._servers: dict[str, str] = {}
        self._until = 0.0
        self._lock = threading.Lock()

    def __call__(self, slug: str) -> str:
        if time.monotonic() >= self._until or slug not in self._servers:
            self._read()
        return self._servers.get(slug, MAIN_SERVER)

    def forget(self) -> None:
        """Read again on next use (after this process moved a tenant)."""
        self._until = 0.0

    def _read(self) -> None:
        with self.db.control_session() as session:
            servers = {slug: server for slug, server in session.execute(select(Tenant.slug, Tenant.server))}
        with self._lock:
            self._servers, self._until = servers, time.monotonic() + self.seconds


def place(db: Database, seconds: float) -> None:
    """Give ``db`` its placement lookup when tenants may live on more than one server."""
    if len(db.servers) > 1:
        db.locate = Placements(db, seconds)
