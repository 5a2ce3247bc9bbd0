"""Counting requests per key and window. One upsert per request; every process and machine shares the
count because it lives in the database. Old windows are removed by `prune`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_platform.db.base import utcnow
from motcua_platform.errors import TooManyAttempts
from motcua_platform.i18n import _
from motcua_platform.ratelimit.models import RateLimitWindow


def hit(session: Session, key: str, *, limit: int, window_seconds: int, now: dt.datetime | None = None) -> int:
    """Count one request for ``key``; raise TooManyAttempts once ``limit`` is passed in the window.
    Returns the number of requests in the window so far. The caller commits."""
    now = now or utcnow()
    epoch = int(now.timestamp())
    start = dt.datetime.fromtimestamp(epoch - epoch % window_seconds, dt.UTC)
    statement = insert(RateLimitWindow).values(key=key, window_start=start, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=[RateLimitWindow.key, RateLimitWindow.window_start],
        set_={"hits": RateLimitWindow.hits + 1},
    ).returning(RateLimitWindow.hits)
    hits = session.execute(statement).scalar_one()
    if hits > limit:
        retry_after = int((start + dt.timedelta(seconds=window_seconds) - now).total_seconds()) + 1
        raise TooManyAttempts(_("Too many requests; try again shortly."), retry_after=retry_after)
    return hits


def prune(session: Session, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    result = session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_start < utcnow() - older_than))
    return result.rowcount or 0
