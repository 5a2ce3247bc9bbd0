"""A per-process cache of who a token belongs to (``Principal``), with every change to tokens, accounts or
roles honoured at once (docs/decisions/0031-principal-cache-invalidated-by-notify.md).

What "honoured" means here: once a change that can take a permission away is committed (a token revoked,
a logout, an account deactivated, its roles or password changed, in any process, by the API, a console or
the CLI), no process answers a request with the principal it had before. So an entry is never trusted on
time alone:

- every such change notifies, in its own transaction, on the channel ``motcua_auth`` (``announce``):
  PostgreSQL delivers it at commit, and never if the transaction rolls back;
- so does every change to a tenant's unit tree (a statement trigger on its ``units``, whatever wrote it):
  a role's reach is the subtree under its unit, which is cached here too (``kept_until_announced`` in
  ``web.principals``; ADR 0037);
- each process keeps one connection that LISTENs on that channel (a daemon thread) and empties its cache
  on every notification; one per database server, since a tenant's changes are announced on the server
  that holds the tenant (ADR 0055), and the cache is on only while every one of them listens;
- the process that commits the change also empties its cache itself right after its commit, before it
  answers (``announce`` hooks the session's commit), so its next request cannot race the notification;
- while the listening connection is not up (starting, lost, reconnecting) the cache answers nothing and
  keeps nothing: every request is checked against the database, as without a cache;
- an entry filled from a read that a notification overtook is not kept (a generation counter);
- an entry lives at most ``seconds`` (``MOTCUA_TOKEN_CACHE_SECONDS``) and never past its token's expiry.

Unknown, revoked or expired tokens are never cached: only a successful authentication is.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import psycopg
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "motcua_auth"
MAX_ENTRIES = 20_000  # past this the cache starts again empty (a bound on memory, not an eviction policy)
RECONNECT_SECONDS = 1.0
POLL_SECONDS = 5.0  # how often an idle listening connection is checked
# A listening connection that dies silently (a peer gone without a reset) must not keep the cache on: TCP
# keepalives notice within ~15 s and the check's statement gives up after 5 s (entries never outlive their
# lifetime meanwhile).
LISTENER_CONNECTION = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 5,
    "keepalives_count": 2,
    "options": "-c statement_timeout=5000",
}


def announce(session: Session) -> None:
    """Say, within ``session``'s transaction, that tokens, accounts or roles changed: every process's cache
    is emptied when the transaction commits (nothing is said if it rolls back). Call it from every service
    that revokes a token or changes an account or its roles."""
    session.execute(select(func.pg_notify(CHANNEL, "")))
    event.listen(session, "after_commit", lambda _session: clear_this_process(), once=True)


def clear_this_process() -> None:
    """Empty every principal cache of this process (and tests, whose rolled-back changes announce nothing)."""
    for cache in list(_CACHES):
        cache.clear()


_CACHES: set[PrincipalCache] = set()  # this process's caches (one per app; tests build several apps)


@dataclass(frozen=True)
class _Entry:
    principal: object
    until: float  # time.monotonic() after which the entry is not used


class PrincipalCache:
    """``get``/``put`` by (scope, token hash). Thread-safe; a listener thread per process, started on first
    use (after gunicorn's fork: a forked child starts its own)."""

    def __init__(self, *database_urls: str, seconds: float):
        self.seconds = seconds
        self._conninfos = tuple(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False) for url in database_urls
        )
        self._up: set[str] = set()  # the servers whose listening connection is up
        self._entries: dict[tuple[str, Hashable], _Entry] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._pid: int | None = None
        self._stopped = threading.Event()
        _CACHES.add(self)

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    @property
    def _listening(self) -> bool:
        return len(self._up) == len(self._conninfos)

    # -- the request path --------------------------------------------------------------------------
    def generation(self) -> int:
        """Read before authenticating against the database; pass to ``put``."""
        self._ensure_listener()
        return self._generation

    def get(self, scope: str, token_hash: Hashable):
        if not self._listening:
            return None
        entry = self._entries.get((scope, token_hash))
        if entry is None or entry.until < time.monotonic():
            return None
        return entry.principal

    def put(self, scope: str, token_hash: Hashable, principal, expires_at: dt.datetime, generation: int) -> None:
        """Keep ``principal`` unless something changed since ``generation`` was read (the read may predate
        the change) or the listener is not up."""
        left = (expires_at - dt.datetime.now(dt.UTC)).total_seconds()
        until = time.monotonic() + min(self.seconds, left)
        with self._lock:
            if not self._listening or generation != self._generation or left <= 0:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[(scope, token_hash)] = _Entry(principal, until)

    def through(self, scope: str, key: Hashable, read: Callable[[], tuple[object, dt.datetime] | None]):
        """The value kept under (``scope``, ``key``), else ``read()``'s: a (value, expiry) pair, kept unless a
        notification overtook the read; None (nothing found) is never kept. The one way to read through."""
        if not self.enabled:
            found = read()
            return found[0] if found is not None else None
        value = self.get(scope, key)
        if value is not None:
            return value
        generation = self.generation()  # before the read: a change committed after it is not kept
        found = read()
        if found is None:
            return None
        self.put(scope, key, found[0], found[1], generation)
        return found[0]

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    # -- the listener ------------------------------------------------------------------------------
    def _ensure_listener(self) -> None:
        if self._pid == os.getpid() or not self.enabled:
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # a new process (first use, or a fork): nothing inherited is trusted
            self._pid = os.getpid()
            self._up = set()
            self._generation += 1
            self._entries.clear()
            self._stopped = threading.Event()
        for conninfo in self._conninfos:
            threading.Thread(
                target=self._listen, args=(self._stopped, conninfo), name="motcua-auth-listener", daemon=True
            ).start()

    def _set_listening(self, conninfo: str, listening: bool, stopped: threading.Event | None = None) -> None:
        with self._lock:
            if listening and stopped is not None and stopped.is_set():
                return
            if listening:
                self._up.add(conninfo)
            else:
                self._up.discard(conninfo)
            self._generation += 1
            self._entries.clear()

    def _listen(self, stopped: threading.Event, conninfo: str) -> None:
        while not stopped.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, **LISTENER_CONNECTION) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # from here on, every change on this server reaches this connection
                    self._set_listening(conninfo, True, stopped)
                    while not stopped.is_set():
                        for _notice in conn.notifies(timeout=POLL_SECONDS):
                            self.clear()
                        conn.execute("SELECT 1")  # a lost connection shows here, if not in notifies()
            except Exception:
                log.warning("principal cache: a listening connection failed; checking every token meanwhile")
            self._set_listening(conninfo, False)
            stopped.wait(RECONNECT_SECONDS)

    def stop(self) -> None:
        """Stop the listeners (tests); the cache then answers nothing."""
        self._stopped.set()
        self._pid = None
        with self._lock:
            self._up = set()
            self._generation += 1
            self._entries.clear()
        _CACHES.discard(self)

    def wait_listening(self, timeout: float = 10.0) -> bool:
        """Whether the listener is up, waiting at most ``timeout`` seconds (tests and benchmarks)."""
        self._ensure_listener()
        deadline = time.monotonic() + timeout
        while not self._listening and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._listening
