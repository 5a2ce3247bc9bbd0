"""Structured logs (log_setup, request_log, jobs.bind_job_context), read as production writes them: the JSON
lines of log_setup's formatter, for real requests through the app and a real job worker on the test
database. Every record of a request carries its id, tenant and actor; X-Request-ID round-trips; a job's
records carry its tenant; nothing a caller sends as a secret reaches the log."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import structlog
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_platform.log_setup import formatter

HEX_ID = re.compile(r"[0-9a-f]{32}")
A_NUMBER_PAST_AN_INTEGER_COLUMN = {
    "code": "9.999999",
    "name_vi": "Thủ tục thử",
    "field": "Thử nghiệm",
    "level": "province",
    "competent_unit_kind": "department",
    "time_limit_value": 2**40,
    "time_limit_unit": "days",
    "online_mode": "none",
}


class LogCapture:
    def __init__(self):
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self, **match) -> list[dict]:
        records = [json.loads(line) for line in self.text.splitlines()]
        return [r for r in records if all(r.get(key) == value for key, value in match.items())]

    def access(self, response) -> dict:
        [line] = self.records(logger="motcua.access", request_id=response.headers["X-Request-ID"])
        return line


@pytest.fixture
def logs():
    """Every record from here on, in production's JSON, at DEBUG (nothing filtered before the checks)."""
    capture = LogCapture()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield capture
    root.removeHandler(handler)
    root.setLevel(level)


def test_every_record_of_a_request_carries_its_id_tenant_and_actor(alpha, seeded, logs):
    response = alpha.post("/api/v1/procedures", json=A_NUMBER_PAST_AN_INTEGER_COLUMN)
    assert response.status_code == 422
    request_id = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)

    records = logs.records(request_id=request_id)
    # the app's warning about the refused value (a stdlib record, logged inside the request) and the access line
    assert {r["logger"] for r in records} >= {"motcua_platform", "motcua.access"}, records
    admin = f"staff:{seeded['alpha'].staff['admin']}"
    assert all(r["tenant"] == "alpha" and r["actor"] == admin for r in records), records
    access = logs.access(response)
    assert access["event"] == "request" and access["level"] == "info"
    assert (access["method"], access["path"], access["status"]) == ("POST", "/api/v1/procedures", 422)
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert access["timestamp"].endswith("Z")


def test_tenant_and_actor_on_each_kind_of_host_and_caller(platform, alpha, host_client, seeded, logs):
    operator = platform.get("/api/v1/me")
    assert (logs.access(operator)["tenant"], logs.access(operator)["actor"]) == (
        "platform",
        f"operator:{operator.get_json()['id']}",
    )
    citizen = host_client(seeded["alpha"].host, seeded["alpha"].citizen_token).get("/api/v1/account")
    assert citizen.status_code == 200
    assert logs.access(citizen)["actor"] == f"citizen:{seeded['alpha'].citizen_id}"
    beta = host_client(seeded["beta"].host).get("/api/v1/units")
    assert (logs.access(beta)["tenant"], logs.access(beta)["actor"]) == ("beta", "anonymous")
    unknown = host_client("nowhere.example").get("/api/v1/units")
    assert unknown.status_code == 404
    assert (logs.access(unknown)["tenant"], logs.access(unknown)["actor"]) == (None, "anonymous")


def test_nothing_of_one_request_is_left_bound_for_the_next(alpha, host_client, seeded, logs):
    assert alpha.get("/api/v1/me").status_code == 200
    after = host_client("nowhere.example").get("/healthz")  # same thread, no host resolved, no token
    assert (logs.access(after)["tenant"], logs.access(after)["actor"]) == (None, "anonymous")
    assert structlog.contextvars.get_contextvars() == {}


@pytest.mark.parametrize(
    "incoming",
    ["0f8fad5b-d9cb-469f-a165-70867728950e", "Root-1.67891233_abcdef", "x", "a" * 64],
)
def test_a_safe_x_request_id_is_kept_and_sent_back(alpha, logs, incoming):
    response = alpha.get("/api/v1/units", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    assert logs.access(response)["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "a" * 65, "has space", 'x", "actor": "operator:1', "id\\n{}", "Root=1-5759e988;Parent=53995c3f"],
)
def test_any_other_x_request_id_is_replaced(alpha, logs, incoming):
    response = alpha.get("/api/v1/units", headers={"X-Request-ID": incoming})
    request_id = response.headers["X-Request-ID"]
    assert request_id != incoming and HEX_ID.fullmatch(request_id)
    assert logs.access(response)["actor"] == "anonymous"


def test_each_request_without_an_id_gets_its_own(alpha):
    first, second = alpha.get("/api/v1/units"), alpha.get("/api/v1/units")
    assert HEX_ID.fullmatch(first.headers["X-Request-ID"]) and HEX_ID.fullmatch(second.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_refused_request_has_an_id_and_an_access_line_too(alpha, logs):
    response = alpha.get("/api/v1/units?q=%00")  # refused by the first check of all, before the host
    assert response.status_code == 400
    assert logs.access(response)["status"] == 400


def test_no_password_token_or_cookie_reaches_the_log(host_client, seeded, logs):
    anonymous = host_client(seeded["alpha"].host)
    wrong = anonymous.post("/api/v1/auth/login", json={"email": "officer@alpha.test", "password": "Sai-mat-khau-99"})
    assert wrong.status_code == 401
    login = anonymous.post("/api/v1/auth/login", json={"email": "officer@alpha.test", "password": TEST_PASSWORD})
    assert login.status_code == 201, login.get_json()
    token = login.get_json()["token"]
    me = anonymous.with_token(token).get(
        "/api/v1/me?access_token=in-the-query-77&password=also-in-the-query-88",
        headers={"Cookie": "session=cookie-value-66"},
    )
    assert me.status_code == 422  # undeclared query parameters are refused; their values are still not logged
    structlog.get_logger("tests").info("careless", password="Tre-xanh", api_key="k-55", authorization="Bearer t-44")

    for response in (wrong, login, me):
        assert logs.access(response)["path"] in ("/api/v1/auth/login", "/api/v1/me")
    assert logs.records(event="careless")[0]["password"] == "[redacted]"
    secrets = [TEST_PASSWORD, "Sai-mat-khau-99", token, token.rsplit(".", 1)[-1], "in-the-query-77"]
    secrets += ["also-in-the-query-88", "cookie-value-66", "Tre-xanh", "k-55", "t-44"]
    assert [secret for secret in secrets if secret in logs.text] == []


@pytest.fixture
def tenant_task(runtime):
    """A task for one tenant, as the areas write them, that logs from inside the task."""
    name = "tests:log_for_tenant"

    @runtime.jobs.app.task(name=name, pass_context=True)
    def log_for_tenant(context, tenant: str) -> None:
        logging.getLogger("tests.jobs").info("working for %s", tenant)

    yield name
    del runtime.jobs.app.tasks[name]


@pytest.mark.committed
def test_every_record_of_a_job_carries_its_id_task_and_tenant(runtime, tenant_task, logs):
    job_id = runtime.jobs.defer(tenant_task, tenant="alpha")
    sweep_id = runtime.jobs.defer("builtin:procrastinate.builtin_tasks.remove_old_jobs", max_hours=10_000)
    runtime.jobs.run_worker(wait=False, context={"runtime": runtime})

    records = logs.records(job_id=job_id)
    # the task's own line (in the worker's thread) and procrastinate's start and end lines
    assert {r["logger"] for r in records} >= {"tests.jobs", "procrastinate.worker"}, records
    assert len(records) >= 3
    assert all(r["tenant"] == "alpha" and r["task"] == tenant_task for r in records), records
    assert logs.records(logger="tests.jobs")[0]["event"] == "working for alpha"
    sweep = logs.records(job_id=sweep_id)
    assert sweep and all(r["tenant"] == "platform" for r in sweep), sweep
    assert [r for r in logs.records(logger="tests.jobs") if r.get("job_id") != job_id] == []


def test_a_rating_link_s_token_is_logged_as_the_route(host_client, seeded, logs):
    """A path argument named token is a bearer secret (a dossier's rating link): the access line names
    the route instead, whatever the answer."""
    token = "T0ken-that-must-not-be-logged-123"
    response = host_client(seeded["alpha"].host).get(f"/rate/{token}")
    assert response.status_code == 404
    assert logs.access(response)["path"] == "/rate/<token>"
    assert token not in logs.text
