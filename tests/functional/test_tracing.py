"""OpenTelemetry tracing (the `otel` extra, ADR 0058), through the real SDK and instrumentations with its
in-memory exporter: a request through the app is a server span named by its route, carrying the tenant and the
request id, with its SQL as child spans. Skipped where the extra is not installed."""

from __future__ import annotations

import pytest
from motcua_platform import tracing
from motcua_platform.config import ConfigError

sdk_trace = pytest.importorskip("opentelemetry.sdk.trace", reason="the `otel` extra is not installed")
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import SpanKind  # noqa: E402


@pytest.fixture
def spans(runtime, app, monkeypatch):
    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # put back after the test
    assert tracing.start(runtime.config.with_overrides(otel=True), provider=provider)
    runtime.db.dispose()  # the engines are made again, through the traced create_engine
    tracing.instrument_app(app)
    yield exporter
    tracing.stop()
    runtime.db.dispose()  # and again untraced, for the tests after this one


@pytest.mark.committed
def test_a_request_is_a_server_span_with_its_route_tenant_and_sql(alpha, seeded, spans):
    answer = alpha.get("/api/v1/faq?q=ket+hon", headers={"X-Request-Id": "req-for-tracing-1"})
    assert answer.status_code == 200, answer.get_json()
    answer.close()  # the server span ends with the answer
    finished = spans.get_finished_spans()
    [server] = [span for span in finished if span.kind == SpanKind.SERVER]
    assert server.name == "GET /api/v1/faq"  # the route's pattern, never the path with its values
    assert server.attributes["http.route"] == "/api/v1/faq"
    assert server.attributes["motcua.tenant"] == "alpha"
    assert server.attributes["motcua.request_id"] == "req-for-tracing-1"
    assert server.attributes["http.target"] == "/api/v1/faq"
    assert "ket" not in str(dict(server.attributes))  # what the person searched for is not in the trace
    queries = [span for span in finished if span.parent is not None and span.parent.span_id == server.context.span_id]
    assert queries and all(span.attributes.get("db.system") == "postgresql" for span in queries)
    assert any("faq_entries" in str(span.attributes.get("db.statement", "")) for span in queries)
    assert all("ket hon" not in str(span.attributes) for span in queries)  # values stay out (hidden parameters)


def test_otel_on_without_the_extra_is_a_configuration_error_naming_it(runtime, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_otel(name, *args, **kwargs):
        if name.startswith("opentelemetry"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_otel)
    with pytest.raises(ConfigError) as raised:
        tracing.start(runtime.config.with_overrides(otel=True))
    assert "MOTCUA_OTEL" in raised.value.problems and "'otel' extra" in str(raised.value)
    assert tracing.start(runtime.config) is False
