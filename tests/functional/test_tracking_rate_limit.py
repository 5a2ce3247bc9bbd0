import datetime as dt

from motcua_platform.db.base import utcnow
from motcua_platform.ratelimit import services as ratelimit
from motcua_platform.ratelimit.models import RateLimitWindow
from motcua_platform.ratelimit.services import prune
from sqlalchemy import func, select


def test_public_tracking_is_rate_limited_per_client(host_client, seeded, app, runtime, monkeypatch):
    # the clock stands still at the start of a window: on a busy machine the requests could otherwise
    # straddle a minute boundary, and the count would start again half-way
    now = utcnow().replace(second=1, microsecond=0)
    monkeypatch.setattr(ratelimit, "utcnow", lambda: now)
    limit = app.extensions["motcua"].config.tracking_per_minute
    client = host_client(seeded["alpha"].host)
    statuses = [client.get("/api/v1/track/000.00.51.A01-260101-0001").status_code for _ in range(limit)]
    assert set(statuses) == {404}  # unknown code, but answered
    refused = client.get("/api/v1/track/000.00.51.A01-260101-0001")
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "too_many_attempts"
    assert int(refused.headers["Retry-After"]) == 60
    # another tenant's host has its own allowance
    assert host_client(seeded["beta"].host).get("/api/v1/track/x-1").status_code in (404, 422)


def test_old_windows_are_pruned(runtime, seeded):
    with runtime.db.control_session() as session:
        session.add(
            RateLimitWindow(key="track:alpha:10.0.0.9", window_start=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), hits=3)
        )
        session.flush()
        assert prune(session) >= 1
        assert (
            session.scalar(
                select(func.count()).select_from(RateLimitWindow).where(RateLimitWindow.key == "track:alpha:10.0.0.9")
            )
            == 0
        )
