"""The refunds' schedule (procrastinate): every ten minutes, each province's refunds due are asked of its
gateway (``refunds.refund_everywhere``); the queueing lock keeps one run at a time."""

from __future__ import annotations

import procrastinate
from motcua_platform.jobs import job_runtime

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="*/10 * * * *")
@blueprint.task(name="make_refunds", pass_context=True, queue="payments", queueing_lock="payments_refunds")
def make_refunds(context, timestamp: int) -> None:
    from motcua_onestop.payments.refunds import refund_everywhere

    refund_everywhere(job_runtime(context).db)
