"""Schemathesis over every operation of the committed OpenAPI document (docs/openapi.json, which
test_cli keeps identical to what the app serves), through the app on a seeded database.

Each generated request (valid and invalid data alike) is sent as every caller the operation's realm has:
on the platform host the vendor admin, an operator, the vendor's finance operator and an anonymous caller;
on a tenant host the province admin, an officer, the finance viewer, a citizen and an anonymous caller;
both sets for the realm ``any``. Every answer must pass all of schemathesis' checks: no 5xx, a status,
content type, headers and body the document declares, invalid data refused, valid data not refused for
its shape, authentication enforced. A few examples per operation keep the run to well under a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from flask_smorest.spec.plugins import FlaskPlugin
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": 4,
            "mode": "all",  # valid and invalid data
            "deterministic": True,  # the same requests on every run: a failure is reproducible, never flaky
            "allow-x00": True,
        },
        # Explicit examples and single-request fuzzing; the coverage phase (every boundary of every field)
        # and the stateful phase would take minutes.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            "enabled": True,
            # Valid by the document is not always acceptable: 400 for a NUL or a lone surrogate in any text
            # (refused everywhere, docs/security.md; JSON Schema cannot say so), 422 for the rules a schema
            # does not express (the password policy, e-mail or phone, a unit that exists, a unique code).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 422, 429],
            },
        },
        "suppress-health-check": ["all"],
        "base-url": f"http://{TEST_BASE_DOMAIN}",  # the Host header of each request names the site
    }
)
schema = (
    schemathesis.openapi.from_path(DOCUMENT, config=CONFIG)
    .exclude(
        # The Stripe webhook answers 503 when Stripe is not configured (as here), and a fuzzer cannot sign its
        # payloads: its signatures, replay window and 24 malformed shapes have their own signed tests
        # (test_billing_stripe.py).
        path="/api/v1/billing/stripe/webhook",
        method="POST",
    )
    .exclude(
        # Stripe is not configured here, so the reconciliation answers its documented 503; its answers against
        # a local fake Stripe and its roles (403 for an operator) are tested in test_console_finance.py.
        path="/api/v1/billing/reconciliation",
        method="GET",
    )
)


@pytest.fixture(scope="module")
def realms(app) -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) → the realm of the blueprint serving it (``platform``, ``tenant``, ``any``)."""
    found = {}
    for rule in app.url_map.iter_rules():
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        realm = getattr(blueprint, "realm", "any")
        for method in rule.methods:
            found[(FlaskPlugin.flaskpath2openapi(rule.rule), method)] = realm
    return found


@pytest.fixture(scope="module")
def callers(seeded) -> dict[str, list[tuple[str, str, str | None]]]:
    """Realm → (name, host, token) of every caller to send each request as."""
    platform, alpha = seeded["platform"], seeded["alpha"]
    on_platform = [
        ("vendor admin", TEST_BASE_DOMAIN, platform.admin_token),
        ("operator", TEST_BASE_DOMAIN, platform.tokens["operator"]),
        ("vendor finance", TEST_BASE_DOMAIN, platform.tokens["finance"]),
        ("anonymous on the platform", TEST_BASE_DOMAIN, None),
    ]
    on_tenant = [
        ("tenant admin", alpha.host, alpha.tokens["admin"]),
        ("officer", alpha.host, alpha.tokens["officer"]),
        ("finance viewer", alpha.host, alpha.tokens["finance"]),
        ("citizen", alpha.host, alpha.citizen_token),
        ("anonymous on a tenant", alpha.host, None),
    ]
    return {"platform": on_platform, "tenant": on_tenant, "any": on_platform + on_tenant}


@schema.parametrize()
def test_every_operation_as_every_caller(case, app, realms, callers):
    # as schemathesis.openapi.from_wsgi binds its schemas: requests, the checks' own probes included, go to the app
    case.operation.schema.app = app
    realm = realms[(case.operation.path, case.method.upper())]
    for _name, host, token in callers[realm]:
        headers = {"Host": host}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        case.call_and_validate(app=app, headers=headers)
