"""Optional OpenTelemetry tracing (ADR 0058): on when the ``otel`` extra is installed and ``MOTCUA_OTEL=1``.

Spans go to an OTLP collector over HTTP, configured by OpenTelemetry's own variables
(``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``…). A request is one server span, named by its route's
pattern (never the path) and carrying the tenant and the request id (the log line's values); each SQL statement
is a child span with the statement's text — its values are never in it (the engines hide parameters). The
job worker traces its statements.

The request's span comes from OpenTelemetry's WSGI middleware around the app rather than its Flask
instrumentation, which registers request hooks of its own and so can only be applied before the app's first
request; the route and the tenant are added when the answer starts, still inside Flask's request.
"""

from __future__ import annotations

from typing import Any

from structlog.contextvars import get_contextvars

from motcua_platform.config import Config, ConfigError

EXTRA = "otel"
_provider: Any = None  # the process's tracer provider once started


def start(config: Config, *, provider: Any = None) -> bool:
    """Start tracing if ``MOTCUA_OTEL`` is on (True): every SQLAlchemy engine created from now on is traced.
    ``provider``: a tracer provider of the caller's (tests: an in-memory exporter's) instead of OTLP's."""
    global _provider
    if not config.otel:
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise ConfigError(
            {
                "MOTCUA_OTEL": f"is on, but OpenTelemetry is not installed: install the '{EXTRA}' extra "
                f"(pip install 'motcua-cloud[{EXTRA}]') or unset it"
            }
        ) from None
    if provider is None:
        provider = TracerProvider(resource=Resource.create({"service.name": "motcua"}))  # OTEL_SERVICE_NAME wins
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    # wraps sqlalchemy.create_engine, which the Database looks up at each engine it creates (lazily, and
    # again after a fork's dispose), so every server's engine is traced
    # The instrumentation still declares SQLAlchemy < 2.1; it uses only the cursor events, unchanged in 2.1, and
    # tests/functional/test_tracing.py checks its spans against the SQLAlchemy installed
    SQLAlchemyInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    _provider = provider
    return True


def stop() -> None:
    """Stop tracing new engines (tests); engines already created stay traced until disposed."""
    global _provider
    if _provider is not None:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        SQLAlchemyInstrumentor().uninstrument()
        _provider = None


def instrument_app(app: Any) -> None:
    """Wrap ``app``'s WSGI callable in a server span per request, if tracing is started."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware

    app.wsgi_app = OpenTelemetryMiddleware(app.wsgi_app, response_hook=_describe, tracer_provider=_provider)


def _describe(span: Any, environ: dict, status: str, headers: list) -> None:
    from flask import has_request_context, request

    # the path without its query string: a reset or sign-in link carries its token there, a search the words
    # a person typed
    span.set_attribute("http.target", environ.get("PATH_INFO", ""))
    if "url.query" in (getattr(span, "attributes", None) or {}):
        span.set_attribute("url.query", "")

    if has_request_context() and request.url_rule is not None:
        span.update_name(f"{request.method} {request.url_rule.rule}")
        span.set_attribute("http.route", request.url_rule.rule)
    bound = get_contextvars()
    for name in ("tenant", "request_id"):
        if bound.get(name):
            span.set_attribute(f"motcua.{name}", str(bound[name]))
