"""Intake on three channels (online by a citizen account, at the counter, by post): the dossier code, the
receiving unit the procedure allows, the form checked by its plugin, the clock started for a complete
dossier, the applicant told. No Flask here: callers pass the tenant's session and context, the acting
principal's units and the plugin registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from motcua_platform.audit import services as audit
from motcua_platform.audit.services import Actor
from motcua_platform.db.base import utcnow
from motcua_platform.db.together import Rows, insert_together
from motcua_platform.errors import InvalidInput, TooManyAttempts
from motcua_platform.i18n import _
from motcua_platform.plugins.engine import PluginRegistry
from motcua_platform.tenant_context import TenantContext
from motcua_platform.timezones import VIETNAM
from sqlalchemy.orm import Session, make_transient_to_detached

from motcua_onestop.catalogue import receiving
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.dossiers import clock, national, notices
from motcua_onestop.dossiers import history as history_log
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.intake import lookup as intake_lookup
from motcua_onestop.dossiers.intake import numbering
from motcua_onestop.dossiers.intake.lookup import ContentVersions
from motcua_onestop.dossiers.models import Channel, Dossier, Status
from motcua_onestop.national_sync import outbox as national_outbox
from motcua_onestop.notifications import services as outbox
from motcua_onestop.units.models import Unit


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
    identity_verified: bool = False  # the owner signed in with national identity (national_sign_in)


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
    dossier = Dossier(
        procedure_id=row.id,
        receiving_unit_id=unit.id,
        channel=data.channel,
        applicant_name=data.applicant_name.strip(),
        applicant_citizen_id=data.applicant_citizen_id,
        applicant_contact=data.applicant_contact,
        citizen_account_id=data.citizen_account_id,
        identity_verified=data.identity_verified,
        form_data=cleaned,
        fees=fees,
        total_fee=sum(f["amount"] for f in fees),
        status=Status.RECEIVED if counter else Status.SUBMITTED,
        submitted_at=now,
        received_at=None,
        due_at=None,
        extended_due_at=None,
        paused_at=None,
        finished_at=None,
        returned_at=None,
        report_due_at=None,
        supplement_rounds=0,
        closed_at=None,
        closed_status=None,
        has_digitised_components=False,
        has_result_file=False,
        processing_time=None,
        payment_method=None,
        current_step=None,
        current_step_unit_id=None,
        version=1,
    )
    if counter:  # before the INSERT, which then carries the dates (no UPDATE after it)
        clock.start_clock(session, dossier, row, now)
    # The number last: the counter's row lock is held from here to the commit, and every other intake at
    # this unit today waits for it. One statement: the number, the dossier's id and, online, the account's
    # submissions in the last hour (``numbering``).
    budget = None if counter or data.citizen_account_id is None else submissions_per_hour
    since = now - dt.timedelta(hours=1)
    taken = numbering.take(
        session, unit, now, account=data.citizen_account_id if budget is not None else None, since=since
    )
    if budget is not None and taken.recent >= budget:
        # An account submits at most ``budget`` dossiers an hour: each sends it an acknowledgement (an SMS the
        # province pays for) and lands in an officer's inbox. Counted in the intake's own transaction; two
        # submissions racing at the limit may both pass, which is fine for a limit against abuse. The caller
        # rolls back, and the number with it.
        raise TooManyAttempts(
            _("At most %(per_hour)s online dossiers an hour from one account; try again later.", per_hour=budget),
            retry_after=int((taken.oldest - since).total_seconds()) + 1,
        )
    dossier.id, dossier.code = taken.dossier_id, taken.code
    _write(session, tenant, actor, dossier, row, unit, data)
    if counter:  # billing's own writer, through the usage signal: a statement of its own
        clock.count_received(session, tenant, dossier, now)
    return dossier


_DOSSIER_COLUMNS = tuple(c.key for c in Dossier.__table__.columns if c.key not in ("created_at", "updated_at"))
_CREATED = (Dossier.__table__.c.created_at, Dossier.__table__.c.updated_at)


def _write(
    session: Session, tenant: TenantContext, actor: Actor, dossier: Dossier, row, unit: Unit, data: Intake
) -> None:
    """The dossier, its history entry, the audit event, the applicant's messages and the national portal's
    record: one statement
    (``db.together``), each table's row built by its own module. ``dossier`` then joins ``session`` as if it
    had been loaded, so later changes to it (a document, a transition) are flushed as usual."""
    note = (data.note or "").strip() or None
    # An online submission is acknowledged to the account's own e-mail and phone, never to a contact typed
    # into the form: no officer has looked at the dossier yet, and the platform must not mail strangers.
    acknowledge_to = (data.account_contact or "") if data.channel == Channel.ONLINE else None
    created_at, updated_at = insert_together(
        session,
        [
            Rows(Dossier.__table__, [{key: getattr(dossier, key) for key in _DOSSIER_COLUMNS}]),
            Rows(
                history_log.TABLE,
                [
                    history_log.entry(
                        actor, dossier, f"intake_{data.channel}", None, dossier.status, note, dossier.submitted_at
                    )
                ],
            ),
            Rows(
                audit.TENANT_TABLE,
                [audit.event_values(actor, "dossier.intake", target=f"dossier:{dossier.code}", channel=data.channel)],
            ),
            Rows(
                outbox.OUTBOX,
                notices.messages_on_status_change(tenant, dossier, row.name_vi, contact=acknowledge_to),
                skip_conflicts_on=outbox.OUTBOX_UNIQUE,
            ),
            Rows(national_outbox.OUTBOX, [national.row_on_intake(dossier, row, unit, _seen(actor, dossier, data))]),
        ],
        returning=_CREATED,
    )
    dossier.created_at, dossier.updated_at = created_at, updated_at
    make_transient_to_detached(dossier)  # every column is set: nothing is left to load
    session.add(dossier)


def _seen(actor: Actor, dossier: Dossier, data: Intake) -> dict:
    """The intake's history entry as its owner sees it (``dossiers.citizen_history``): the officer's note is
    the administration's own and stays out."""
    return {
        "action": f"intake_{data.channel}",
        "from_status": None,
        "to_status": dossier.status,
        "by": dossiers.actor_role(actor),
        "comment": None,
        "at": dossier.submitted_at,
    }


# -- reading -------------------------------------------------------------------------------------
