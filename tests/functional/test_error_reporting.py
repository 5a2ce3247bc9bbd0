"""Error reporting to Sentry (the `sentry` extra, ADR 0058), through the real SDK: an unhandled error in a
request reaches Sentry tagged with the tenant and the request id, and without the request's credentials,
body, query string or cookies. Skipped where the extra is not installed."""

from __future__ import annotations

import pytest
from motcua_platform import error_reporting
from motcua_platform.config import ConfigError

sentry_sdk = pytest.importorskip("sentry_sdk", reason="the `sentry` extra is not installed")
from sentry_sdk.transport import Transport  # noqa: E402

DSN = "https://public@sentry.example.vn/1"
PERSONAL = "nguyenvana@example.vn"
RESET_TOKEN = "reset-token-from-a-link-0123456789"


class CapturedEnvelopes(Transport):
    """Sentry's transport interface, keeping the envelopes here instead of sending them."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


@pytest.fixture
def captured(runtime):
    transport = CapturedEnvelopes()
    assert error_reporting.start(runtime.config.with_overrides(sentry_dsn=DSN), transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: the SDK's integrations stay hooked in but send nothing


def events(transport: CapturedEnvelopes) -> list[dict]:
    return [event for envelope in transport.envelopes if (event := envelope.get_event()) is not None]


def broken(*args, **kwargs):
    raise RuntimeError("the database went away (injected)")


@pytest.mark.parametrize("way", ["query", "body"])
def test_an_unhandled_error_is_reported_with_the_tenant_and_without_personal_data(
    way, alpha, seeded, captured, monkeypatch
):
    from motcua_onestop.faq import services

    headers = {"Cookie": f"session={RESET_TOKEN}", "X-Request-Id": f"req-for-sentry-{way}"}
    if way == "query":  # a search: what a person typed is in the query string
        monkeypatch.setattr(services, "find", broken)
        answer = alpha.get(f"/api/v1/faq?q={PERSONAL}", headers=headers)
    else:  # a write: the person's words are in the body
        monkeypatch.setattr(services, "create", broken)
        body = {"unit_id": seeded["alpha"].units["commune_a"], "question": f"{PERSONAL}?", "answer": RESET_TOKEN}
        answer = alpha.post("/api/v1/faq", json=body, headers=headers)
    assert answer.status_code == 500, answer.get_json()
    assert answer.get_json()["code"] == "internal_error"
    [event] = [e for e in events(captured) if e.get("exception")]
    [error] = event["exception"]["values"]
    assert error["type"] == "RuntimeError" and "injected" in error["value"]
    assert event["tags"]["tenant"] == "alpha"
    assert event["tags"]["request_id"] == f"req-for-sentry-{way}"
    request = event["request"]
    assert request["url"].endswith("/api/v1/faq")
    assert "host" in {name.lower() for name in request["headers"]}  # the request is described…
    assert not {"authorization", "cookie"} & {name.lower() for name in request["headers"]}  # …its secrets not
    assert not {"data", "cookies", "query_string"} & set(request)
    sent = b"".join(envelope.serialize() for envelope in captured.envelopes)
    assert alpha.token.encode() not in sent
    assert RESET_TOKEN.encode() not in sent and PERSONAL.encode() not in sent


def test_a_dsn_without_the_extra_is_a_configuration_error_naming_it(runtime, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_sentry(name, *args, **kwargs):
        if name == "sentry_sdk" or name.startswith("sentry_sdk."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_sentry)
    with pytest.raises(ConfigError) as raised:
        error_reporting.start(runtime.config.with_overrides(sentry_dsn=DSN))
    assert "MOTCUA_SENTRY_DSN" in raised.value.problems and "'sentry' extra" in str(raised.value)
    assert error_reporting.start(runtime.config) is False  # unset: nothing to start, extra or not
