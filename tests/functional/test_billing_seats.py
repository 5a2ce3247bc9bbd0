"""Officer seats, metered end to end: staff created and deactivated through the API → a daily snapshot of the
active staff (the periodic job and the command line) → the tenant outbox → the ledger → the invoice line,
billed as the period's peak."""

import datetime as dt
from types import SimpleNamespace

from billing_support import vn
from click.testing import CliRunner
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_billing.invoices.tasks import snapshot_seats
from motcua_billing.usage.models import UsageEvent
from motcua_billing.usage.seats import active_seats
from motcua_platform.cli import CliContext, main
from sqlalchemy import select

SEAT_PRICE = 50_000


def seat_contract(finance, included: int) -> None:
    charges = [
        {
            "metric_code": "officer_seats",
            "included_quantity": included,
            "model": "volume",
            "tiers": [{"unit_price": str(SEAT_PRICE)}],
        }
    ]
    plan = {"code": "seats", "name": "Chỗ ngồi", "annual_fee_vnd": 0, "overage_budget_vnd": 0, "charges": charges}
    assert finance.post("/api/v1/billing/plans", json=plan).status_code == 201
    contract = {"tenant": "alpha", "code": "HD-SEATS", "plan": "seats", "starts_on": "2026-01-01"}
    created = finance.post("/api/v1/billing/contracts", json=contract | {"ends_on": "2026-12-31"})
    assert created.status_code == 201, created.get_json()


def billing_cli(runtime):
    context = CliContext()
    context._runtime = runtime

    def motcua(*args):
        return CliRunner().invoke(main, ["billing", *args], obj=context, catch_exceptions=False)

    return motcua


def new_officer(alpha, seeded, n):
    body = {
        "email": f"seat{n}@alpha.test",
        "full_name": f"Cán bộ {n}",
        "password": TEST_PASSWORD,
        "roles": [{"role": "officer", "unit_id": seeded["alpha"].units["department"]}],
    }
    created = alpha.post("/api/v1/staff", json=body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def test_seats_are_snapshotted_daily_and_billed_at_the_period_peak(finance, alpha, seeded, runtime):
    motcua = billing_cli(runtime)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        seeded_staff = active_seats(session)
    assert seeded_staff == len(seeded["alpha"].staff)
    seat_contract(finance, included=seeded_staff)

    # 5 October: the seeded staff (command line, for a given day)
    first = motcua("seats", "--day", "2026-10-05")
    assert first.exit_code == 0 and f"alpha: {seeded_staff} seat(s) on 2026-10-05" in first.output
    # two officers join; the periodic job takes 12 October's snapshot (its scheduled day, not the clock's)
    joined = [new_officer(alpha, seeded, n) for n in (1, 2)]
    context = SimpleNamespace(additional_context={"runtime": runtime})
    taken = snapshot_seats.func(context, timestamp=int(vn(2026, 10, 12, hour=0).timestamp()) + 600)
    assert taken["alpha"] == seeded_staff + 2
    # a second snapshot of the same day is a no-op: the first count stands
    assert alpha.patch(f"/api/v1/staff/{joined[0]}", json={"active": False}).status_code == 200
    again = motcua("seats", "--day", "2026-10-12", "--tenant", "alpha")
    assert again.exit_code == 0 and "already taken that day" in again.output
    # one more leaves: 20 October counts the seeded staff again
    assert alpha.patch(f"/api/v1/staff/{seeded['alpha'].staff['officer']}", json={"active": False}).status_code == 200
    assert f"alpha: {seeded_staff} seat(s)" in motcua("seats", "--day", "2026-10-20", "--tenant", "alpha").output

    report = finance.post("/api/v1/billing/runs", json={"period": "2026-10"}).get_json()  # drains the outboxes
    invoice = finance.get(f"/api/v1/billing/invoices/{report['invoice_ids'][0]}").get_json()
    line = next(line for line in invoice["lines"] if line["metric_code"] == "officer_seats")
    assert line["quantity"] == f"{seeded_staff + 2}.000000"  # the peak of the month's daily snapshots
    assert line["event_count"] == 3 and line["billable_quantity"] == "2.000000"
    assert line["amount_vnd"] == 2 * SEAT_PRICE
    with runtime.db.control_session() as session:
        ids = session.scalars(
            select(UsageEvent.event_id)
            .where(UsageEvent.metric_code == "officer_seats", UsageEvent.event_id.like("seats:2026-10-%"))
            .order_by(UsageEvent.occurred_at)
        ).all()
    assert ids == [f"seats:2026-10-{d}:snapshot" for d in ("05", "05", "12", "12", "20")]  # alpha and beta


def test_the_snapshot_job_is_scheduled_and_a_day_to_come_is_refused(runtime, seeded):
    crons = {p.task.name: p.cron for p in runtime.jobs.app.periodic_registry.periodic_tasks.values()}
    assert crons["billing:snapshot_seats"] == "10 17 * * *"  # 00:10 in Hà Nội, before the monthly run
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7) + dt.timedelta(days=1)).date()
    refused = billing_cli(runtime)("seats", "--day", f"{tomorrow:%Y-%m-%d}")
    assert refused.exit_code == 2 and "has not begun" in refused.output
    assert billing_cli(runtime)("seats", "--day", "1999-12-31").exit_code == 2
    unknown = billing_cli(runtime)("seats", "--tenant", "nowhere")
    assert unknown.exit_code == 1 and "No billed tenant named nowhere" in unknown.output
