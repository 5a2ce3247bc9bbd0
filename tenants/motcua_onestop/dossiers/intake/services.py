"""Intake on three channels (online by a citizen account, at the counter, by post): the dossier code, the
receiving unit the procedure allows, the form checked by its plugin, the clock started for a complete
dossier, the applicant told. No Flask here: callers pass the tenant's session and context, the acting
principal's units and the plugin registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput, TooManyAttempts
from motcua_platform.i18n import _
from motcua_platform.plugins.engine import PluginRegistry
from motcua_platform.tenant_context import TenantContext
from motcua_platform.timezones import VIETNAM
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua_onestop.catalogue import receiving
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.dossiers import clock, notices
from motcua_onestop.dossiers import history as history_log
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.intake import lookup as intake_lookup
from motcua_onestop.dossiers.intake.lookup import ContentVersions
from motcua_onestop.dossiers.models import Channel, Dossier, Status
from motcua_onestop.units.models import Unit

FOREIGN_KEY_VIOLATION = "23503"  # PostgreSQL's SQLSTATE


@dataclass(frozen=True)
class Intake:
    procedure_code: str
    receiving_unit_id: int
    channel: str
    applicant_name: str
    form: Any
    applicant_citizen_id: str | None = None
    applicant_contact: str | None = None
    citizen_account_id: int | None = None  # the owner of an online dossier (its citizen account)
    account_contact: str | None = None  # the owner's own e-mail and phone: where the acknowledgement goes
    note: str | None = None  # the officer's intake note, kept as the intake's history comment


NEXT_NUMBER = text(
    "INSERT INTO dossier_counters (unit_id, day, last_number) VALUES (:unit, :day, 1) "
    "ON CONFLICT (unit_id, day) DO UPDATE SET last_number = dossier_counters.last_number + 1 "
    "RETURNING last_number"
)


def next_code(session: Session, unit: Unit, moment: dt.datetime) -> str:
    """``<unit code>-YYMMDD-NNNN``: the unit's daily counter, incremented under the row lock the upsert
    takes, so concurrent intakes wait for each other and never repeat or skip a number (a rolled-back
    intake rolls its number back too). A unit deleted since the caller read it (``intake_lookup`` may
    hold it for a few seconds) fails the counter's foreign key: the intake is refused like any closed unit."""
    day = moment.astimezone(VIETNAM).date()
    try:
        number = session.execute(NEXT_NUMBER, {"unit": unit.id, "day": day}).scalar_one()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != FOREIGN_KEY_VIOLATION:
            raise
        raise InvalidInput(
            _("The dossier was not received."), {"receiving_unit_id": [_("No such open unit.")]}
        ) from None
    return f"{unit.code}-{day:%y%m%d}-{number:04d}"


@dataclass(frozen=True)
class Checked:
    """An intake that passed every check, ready to be written: the unit, the procedure version, the
    cleaned form and its fee lines."""

    unit: Unit
    procedure: Any
    form: dict
    fee_lines: list


def check(
    session: Session,
    officer_unit_ids: Iterable[int] | None,
    registry: PluginRegistry,
    tenant: TenantContext,
    data: Intake,
    *,
    now: dt.datetime | None = None,
    content: ContentVersions | None = None,
) -> Checked:
    """Every check ``intake`` makes before writing, writing nothing: the channel, an open unit that
    receives the procedure (and, at the counter or by post, one of the officer's), the applicant's name,
    the form (every error at once). A console checks an intake with it before its review step."""
    now = now or utcnow()
    if data.channel not in set(Channel):
        raise InvalidInput(
            _("The dossier was not received."),
            {"channel": [_("Must be one of: %(channels)s.", channels=", ".join(Channel))]},
        )
    unit, row = intake_lookup.unit_and_procedure(
        session, data.procedure_code, data.receiving_unit_id, tenant.enabled, content
    )
    if unit is None or (unit.valid_to is not None and unit.valid_to < now.astimezone(VIETNAM).date()):
        raise InvalidInput(_("The dossier was not received."), {"receiving_unit_id": [_("No such open unit.")]})
    if data.channel != Channel.ONLINE:
        dossiers.require_unit(session, officer_unit_ids or (), unit.id)
    row = dossiers.keep_procedure(session, row or catalogue.get_procedure(session, data.procedure_code, tenant.enabled))
    # the one rule of which units receive which procedures, on every channel (catalogue.receiving)
    receiving.require_receives(row, unit, intake_lookup.place_of(session, unit, content))
    if data.channel == Channel.ONLINE and row.online_mode == "none":
        raise InvalidInput(
            _("This procedure cannot be submitted online."), {"channel": [_("Online submission is not offered.")]}
        )
    errors: dict[str, list[str]] = {}
    if not data.applicant_name or not data.applicant_name.strip():
        errors["applicant_name"] = [_("This field is required.")]
    try:
        cleaned, fee_lines = catalogue.check_form(registry, row, data.form, tenant.plugins.get(row.plugin or ""))
    except InvalidInput as exc:  # every error at once: the form's and the envelope's
        raise InvalidInput(exc.message, {**errors, **exc.errors}) from None
    if errors:
        raise InvalidInput(_("The dossier is not valid."), errors)
    return Checked(unit, row, cleaned, list(fee_lines))


def intake(
    session: Session,
    actor: Actor,
    officer_unit_ids: Iterable[int] | None,
    registry: PluginRegistry,
    tenant: TenantContext,
    data: Intake,
    *,
    now: dt.datetime | None = None,
    content: ContentVersions | None = None,
    submissions_per_hour: int | None = None,
) -> Dossier:
    """Receive a dossier at a unit that receives its procedure (``catalogue.receiving``, else 422), under
    the procedure groups ``tenant`` enabled and with its settings of them. Counter and postal intake need
    an officer of the receiving unit and start the clock at once (status 2); an online submission (a
    citizen account, ``data.citizen_account_id``) waits for intake (status 1), at most
    ``submissions_per_hour`` from one account. With the request's ``content`` versions the unit and
    procedure come from the per-process cache (``intake_lookup``). The officer's ``data.note`` (a postal
    item's number, papers received to digitise) is the comment of the intake's history entry."""
    now = now or utcnow()
    checked = check(session, officer_unit_ids, registry, tenant, data, now=now, content=content)
    unit, row, cleaned, fee_lines = checked.unit, checked.procedure, checked.form, checked.fee_lines
    fees = [{"name": f.name, "amount": f.amount, "note": f.note} for f in fee_lines]
    counter = data.channel != Channel.ONLINE
    if not counter and data.citizen_account_id is not None and submissions_per_hour is not None:
        _check_submission_budget(session, data.citizen_account_id, submissions_per_hour, now)
    dossier = Dossier(
        procedure_id=row.id,
        receiving_unit_id=unit.id,
        channel=data.channel,
        applicant_name=data.applicant_name.strip(),
        applicant_citizen_id=data.applicant_citizen_id,
        applicant_contact=data.applicant_contact,
        citizen_account_id=data.citizen_account_id,
        form_data=cleaned,
        fees=fees,
        total_fee=sum(f["amount"] for f in fees),
        status=Status.RECEIVED if counter else Status.SUBMITTED,
        submitted_at=now,
        version=1,
    )
    if counter:  # before the INSERT, which then carries the dates (no UPDATE after it)
        clock.start_clock(session, dossier, row, now)
    # The number last: the counter's row lock is held from here to the commit, and every other intake at
    # this unit today waits for it.
    dossier.code = next_code(session, unit, now)
    session.add(dossier)
    session.flush()
    if counter:
        clock.count_received(session, tenant, dossier, now)
    note = (data.note or "").strip() or None
    history_log.add(session, actor, dossier, f"intake_{data.channel}", None, dossier.status, note)
    record(session, actor, "dossier.intake", target=f"dossier:{dossier.code}", channel=data.channel)
    # An online submission is acknowledged to the account's own e-mail and phone, never to a contact typed
    # into the form: no officer has looked at the dossier yet, and the platform must not mail strangers.
    acknowledge_to = None if counter else (data.account_contact or "")
    notices.on_status_change(session, tenant, dossier, row.name_vi, contact=acknowledge_to)
    return dossier


# The account's online submissions in the last hour and the oldest of them (ix_dossiers_citizen_submitted).
RECENT_SUBMISSIONS = select(func.count(), func.min(Dossier.submitted_at)).where(
    Dossier.citizen_account_id == bindparam("account"), Dossier.submitted_at > bindparam("since")
)


def _check_submission_budget(session: Session, account_id: int, per_hour: int, now: dt.datetime) -> None:
    """An account submits at most ``per_hour`` dossiers an hour: each one sends the account an
    acknowledgement (SMS included, which the province pays for) and lands in an officer's inbox. Counted
    in the intake's own transaction; two submissions racing at the limit may both pass, which is fine for
    a limit against abuse."""
    since = now - dt.timedelta(hours=1)
    count, oldest = session.execute(RECENT_SUBMISSIONS, {"account": account_id, "since": since}).one()
    if count >= per_hour:
        retry_after = int((oldest - since).total_seconds()) + 1
        raise TooManyAttempts(
            _("At most %(per_hour)s online dossiers an hour from one account; try again later.", per_hour=per_hour),
            retry_after=retry_after,
        )


# -- reading -------------------------------------------------------------------------------------
