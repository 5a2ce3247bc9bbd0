"""Dossiers: the status state machine (the one place transitions are decided; intake is
``dossiers.intake``), deadlines with supplement pauses, history and public tracking. No Flask here: callers pass
the tenant's session and context (``motcua_platform.tenant_context``), the acting principal's units and
the plugin registry, and commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.tenant_context import TenantContext
from motcua_platform.timezones import VIETNAM
from sqlalchemy import Select, literal_column, select, type_coerce
from sqlalchemy.orm import Session

from motcua_onestop.calendar import services as calendar
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers import clock, national, notices, versions
from motcua_onestop.dossiers import history as history_log
from motcua_onestop.dossiers.documents.checklist import checklist
from motcua_onestop.dossiers.models import Channel, Dossier, DossierHistory, Status
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_onestop.dossiers.workflow.models import CLOCK_STATUSES, OPEN_STATUSES, SORT_DUE, DossierStep
from motcua_onestop.units.services import subtree_and_total, subtree_ids

STATUS_NAMES = {
    Status.SUBMITTED: "Mới đăng ký",
    Status.RECEIVED: "Được tiếp nhận",
    Status.REFUSED: "Không được tiếp nhận",
    Status.PROCESSING: "Đang xử lý",
    Status.SUPPLEMENT: "Yêu cầu bổ sung giấy tờ",
    Status.PAYMENT: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Status.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
    Status.DONE: "Đã xử lý xong",
    Status.RETURNED: "Đã trả kết quả",
}

# The state machine: every status change of every dossier goes through ``transition`` and this table.
TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.RECEIVED, Status.REFUSED, Status.SUPPLEMENT, Status.WITHDRAWN}),
    Status.RECEIVED: frozenset({Status.PROCESSING, Status.WITHDRAWN}),
    Status.REFUSED: frozenset(),
    Status.PROCESSING: frozenset({Status.SUPPLEMENT, Status.PAYMENT, Status.DONE, Status.STOPPED, Status.WITHDRAWN}),
    # back to 1 when the supplement was asked before intake (clock not started), to 4 otherwise
    Status.SUPPLEMENT: frozenset({Status.SUBMITTED, Status.PROCESSING, Status.WITHDRAWN}),
    Status.PAYMENT: frozenset({Status.PROCESSING, Status.WITHDRAWN}),
    Status.WITHDRAWN: frozenset({Status.STOPPED}),
    Status.STOPPED: frozenset(),
    Status.DONE: frozenset({Status.RETURNED}),
    Status.RETURNED: frozenset(),
}

# a dossier ends without a result when refused at intake, withdrawn or stopped (the first of those counts)
CLOSED_WITHOUT_RESULT = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED})

ACTIONS = {
    Status.RECEIVED: "receive",
    Status.REFUSED: "refuse",
    Status.PROCESSING: "process",
    Status.SUPPLEMENT: "request_supplement",
    Status.PAYMENT: "request_payment",
    Status.WITHDRAWN: "withdraw",
    Status.STOPPED: "stop",
    Status.DONE: "finish",
    Status.RETURNED: "return_result",
    Status.SUBMITTED: "resume_submission",
}


# Checks another area adds to intake (status 2), each raising to refuse it: the payments area's "paid before
# intake" (connected by ``motcua_onestop.wiring``; the dossiers cannot import the areas built on them).
RECEIVING_CHECKS: list[Callable[[Session, Dossier, Procedure], None]] = []


def allowed_targets(dossier: Dossier) -> list[int]:
    """The statuses ``dossier`` may move to now, in order."""
    targets = set(TRANSITIONS[Status(dossier.status)])
    if dossier.status == Status.SUPPLEMENT:  # resume to where the dossier was before the request
        targets.discard(Status.SUBMITTED if dossier.received_at is not None else Status.PROCESSING)
    return sorted(int(t) for t in targets)


# -- authorization -------------------------------------------------------------------------------
def officer_units(session: Session, units: Iterable[int]) -> set[int]:
    """Units an officer works for: each unit of one of their officer/admin roles and its subtree."""
    units = set(units)
    return subtree_ids(session, units) if units else set()


def require_unit(session: Session, units: Iterable[int], unit_id: int) -> None:
    if unit_id not in officer_units(session, units):
        raise Forbidden(_("Only an officer of the receiving unit (or a unit above it) may do this."))


# -- intake --------------------------------------------------------------------------------------
def get_dossier(session: Session, code: str, officer_unit_ids: Iterable[int], *, lock: bool = False) -> Dossier:
    """A dossier an officer may see: 404 when it does not exist or belongs to a unit outside theirs."""
    query = select(Dossier).where(Dossier.code == code)
    if lock:
        query = query.with_for_update()
    dossier = session.scalar(query)
    units = officer_units(session, officer_unit_ids)
    if dossier is None or (dossier.receiving_unit_id not in units and not _has_step_on(session, dossier, units)):
        raise NotFound(_("No dossier %(code)s in your units.", code=code))
    return dossier


def get_own_dossier(session: Session, code: str, citizen_account_id: int, *, lock: bool = False) -> Dossier:
    """The ownership rule, in one place: a dossier its citizen account may see and act on. Someone
    else's dossier is a 404 exactly like a code that does not exist, so codes reveal nothing."""
    query = select(Dossier).where(Dossier.code == code, Dossier.citizen_account_id == citizen_account_id)
    dossier = session.scalar(query.with_for_update() if lock else query)
    if dossier is None:
        raise NotFound(_("You have no dossier %(code)s.", code=code))
    return dossier


def own_dossiers_query(citizen_account_id: int, status: int | None = None) -> Select:
    """A citizen's own dossiers, newest first (ix_dossiers_citizen_submitted)."""
    query = select(Dossier).where(Dossier.citizen_account_id == citizen_account_id)
    if status is not None:
        query = query.where(Dossier.status == status)
    return query.order_by(Dossier.submitted_at.desc(), Dossier.id.desc())


def link_owner(session: Session, actor: Actor, dossier: Dossier, account, expected_version: int) -> Dossier:
    """An officer links a counter or postal dossier (loaded with ``lock=True``) to the applicant's citizen
    ``account`` (or None when no account has that login), so the citizen follows it online like their own.
    The account's CCCD (or a business's tax code) must be the applicant's on the dossier: a mistyped phone
    number must not hand a stranger the dossier. Once linked, the owner does not change."""
    versions.expect(dossier, expected_version)
    if account is None:
        raise InvalidInput(_("No such citizen account."), {"login": [_("No account with this e-mail or phone here.")]})
    if dossier.citizen_account_id is not None:
        raise Conflict(_("Dossier %(code)s already belongs to a citizen account.", code=dossier.code))
    if not dossier.applicant_citizen_id or account.document_number != dossier.applicant_citizen_id:
        raise InvalidInput(
            _("This account is not the applicant's."),
            {
                "login": [
                    _("The account's CCCD or tax code differs from the applicant's on the dossier (or it has none).")
                ]
            },
        )
    citizen_account_id = account.id
    dossier.citizen_account_id = citizen_account_id
    versions.bump(dossier, utcnow())
    history_log.add(session, actor, dossier, "link_account", None, None)
    record(session, actor, "dossier.link_account", target=f"dossier:{dossier.code}", citizen=citizen_account_id)
    session.flush()
    return dossier


# Status changes whose comment is addressed to the applicant (the reason printed on forms 02, 03 and 05,
# or the citizen's own withdrawal reason), and the citizen's own actions (their note on a supplement).
# Every other comment — step completions, hand-offs between units — is the administration's internal
# working note and stays out of the citizen's view.
PUBLIC_COMMENT_STATUSES = frozenset({Status.REFUSED, Status.SUPPLEMENT, Status.STOPPED, Status.WITHDRAWN})
CITIZEN_ACTIONS = frozenset({"supplement_done"})
# who acted, as a role: the kind of the history entry's actor → what the owner (and the national portal) sees
ACTOR_ROLES = {"citizen": "citizen", "staff": "officer"}


def actor_role(actor: Actor | str) -> str:
    return ACTOR_ROLES.get(str(actor).split(":", 1)[0], "system")


def citizen_history(session: Session, dossier: Dossier) -> list[dict]:
    """The dossier's history as its owner sees it: status changes only, oldest first, who acted as a role
    (``citizen``, ``officer`` or ``system``) rather than a name, and only the comments meant for them."""
    query = (
        select(DossierHistory)
        .where(
            DossierHistory.dossier_id == dossier.id,
            DossierHistory.to_status.is_not(None),
            # notes (comments, steps, documents, extensions) keep the status: they are not status changes
            DossierHistory.from_status.is_distinct_from(DossierHistory.to_status),
        )
        .order_by(DossierHistory.id)
    )
    entries = []
    for entry in session.scalars(query):
        entries.append(
            {
                "action": entry.action,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "status_name": STATUS_NAMES[Status(entry.to_status)],
                "by": actor_role(entry.actor),
                "comment": entry.comment
                if entry.to_status in PUBLIC_COMMENT_STATUSES or entry.action in CITIZEN_ACTIONS
                else None,
                "at": entry.at,
            }
        )
    return entries


def _has_step_on(session: Session, dossier: Dossier, units: set[int]) -> bool:
    """Whether one of the dossier's processing steps is (or was) assigned to one of ``units``: a unit
    that a dossier was handed to sees it too."""
    if not units:
        return False
    query = select(DossierStep.id).where(DossierStep.dossier_id == dossier.id, DossierStep.unit_id.in_(units))
    return session.scalar(query.limit(1)) is not None


INBOX_STATES = ("open", "closed", "all")


@dataclass(frozen=True)
class InboxFilter:
    status: int | None = None
    overdue: bool | None = None
    due_before: dt.datetime | None = None
    step_unit: bool | None = None  # dossiers whose current (open) step is on one of my units
    due_soon: int | None = None  # open dossiers due within this many working hours (not yet overdue)
    state: str | None = None  # open (default without status), closed (final statuses) or all


@dataclass(frozen=True)
class InboxScope:
    """The units an officer's lists cover (their units and every unit below), and whether that is the whole
    tenant (a province-level officer: no unit condition, so the whole-tenant indexes give the order)."""

    units: frozenset[int]
    whole_tenant: bool


def inbox_scope(session: Session, officer_unit_ids: Iterable[int]) -> InboxScope:
    units, tenant_units = subtree_and_total(session, set(officer_unit_ids))
    if not units:
        raise Forbidden(_("Only officers of a unit have a dossier inbox."))
    return InboxScope(frozenset(units), len(units) == tenant_units)


def is_timeless(filters: InboxFilter) -> bool:
    """Whether ``inbox_select`` depends on nothing but the scope and the filters (not on the time of day):
    its statement can then be kept for the next request with the same ones."""
    return filters.overdue is None and filters.due_soon is None


def inbox_query(session: Session, officer_unit_ids: Iterable[int], filters: InboxFilter, now=None) -> Select:
    """The dossiers an officer's list shows, ordered by ``INBOX_ORDER`` (soonest due first, then id):
    by default the open ones (every status but the final 3, 8 and 10); ``state`` or ``status`` for others."""
    return inbox_select(session, inbox_scope(session, officer_unit_ids), filters, now)


def inbox_select(session: Session, scope: InboxScope, filters: InboxFilter, now=None) -> Select:
    """``inbox_query`` over a scope already read. The session is read only for ``due_soon`` (the calendar)."""
    units, whole_tenant = scope.units, scope.whole_tenant
    due = SORT_DUE  # "no due date" sorts last, and never counts as overdue or due before anything
    # step_unit: the unit of the open current step, kept on the dossier by workflow.py (ix_dossiers_step_unit_due)
    unit_column = Dossier.current_step_unit_id if filters.step_unit else Dossier.receiving_unit_id
    query = select(Dossier)
    if filters.step_unit:
        query = query.where(Dossier.status == literal_column(str(int(Status.PROCESSING))))
        if whole_tenant:
            query = query.where(unit_column.is_not(None))
    if not whole_tenant:
        query = query.where(unit_column.in_(sorted(units)))
    state = filters.state or ("all" if filters.status is not None else "open")
    if state not in INBOX_STATES:
        raise InvalidInput(
            _("Unknown inbox state."), {"state": [_("Must be one of: %(states)s.", states=", ".join(INBOX_STATES))]}
        )
    open_anyway = filters.overdue or filters.due_soon is not None or filters.step_unit  # statuses 2, 4, 6 only
    if state == "open" and not open_anyway:  # (a redundant condition would keep the partial indexes out)
        query = query.where(status_in(OPEN_STATUSES))
    elif state == "closed":
        query = query.where(~status_in(OPEN_STATUSES))
    clock_runs = status_in(CLOCK_STATUSES)
    if filters.due_soon is not None:
        now = now or utcnow()
        cal = calendar.load_calendar(session, since=now.astimezone(VIETNAM).date())
        horizon = cal.add_working_time(now, dt.timedelta(hours=filters.due_soon))
        query = query.where(clock_runs, due >= now, due <= horizon)
    if filters.status is not None:
        query = query.where(Dossier.status == filters.status)
    if filters.overdue is not None:
        now = now or utcnow()
        late = clock_runs & (due < now)
        query = query.where(late if filters.overdue else ~late)
    if filters.due_before is not None:
        query = query.where(due < filters.due_before)
    if not whole_tenant:
        # The same order, written so that PostgreSQL cannot walk a whole-tenant index in due order and
        # filter by unit (what it picks for LIMIT 20, and thousands of rows too far for a quiet commune):
        # it collects the units' entries of a per-unit index and sorts them. Those indexes INCLUDE the
        # due columns, and paginate picks the page's keys first (``keys_first``), so the sort reads
        # index entries only and just the page's rows are fetched (a busy commune has 25,000 dossiers).
        due = type_coerce(SORT_DUE + literal_column("interval '0 s'"), SORT_DUE.type)
    keyset = (due, Dossier.id)
    return query.order_by(*keyset).execution_options(
        inbox_keyset=keyset, count_in_order=whole_tenant, keys_first=not whole_tenant
    )


def inbox_order(query: Select) -> tuple:
    """The keyset (cursor) columns of an ``inbox_query``: what it is ordered by (ascending, never NULL,
    unique together); the same values for every officer, so a cursor means the same row everywhere."""
    return query.get_execution_options()["inbox_keyset"]


def status_in(statuses: Iterable[int]):
    """``status IN (…)`` with the numbers inline, so PostgreSQL can match the partial indexes (it proves
    a partial index's WHERE from constants, not from bound parameters of a generic plan)."""
    return Dossier.status.in_([literal_column(str(int(s))) for s in statuses])


def history(session: Session, dossier: Dossier) -> list[DossierHistory]:
    query = select(DossierHistory).where(DossierHistory.dossier_id == dossier.id).order_by(DossierHistory.id)
    return list(session.scalars(query))


def procedure_of(session: Session, dossier: Dossier) -> Procedure:
    return session.info.get("procedures", {}).get(dossier.procedure_id) or session.get(Procedure, dossier.procedure_id)


def keep_procedure(session: Session, row: Procedure) -> Procedure:
    """Hold ``row`` for the session's life: the identity map holds rows only weakly, so the response of an
    intake (after the commit) would otherwise read the procedure again, in a transaction of its own."""
    session.info.setdefault("procedures", {})[row.id] = row
    return row


def current_step_name(session: Session, dossier: Dossier) -> str | None:
    """The name of the step the dossier is on; None before processing, after the last step and once the
    dossier is finished (returned, refused, withdrawn, stopped)."""
    index = dossier.step_in_progress
    if index is None:
        return None
    steps = procedure_of(session, dossier).workflow or []
    return steps[index]["name"] if index < len(steps) else None


def tracking(session: Session, code: str) -> dict:
    """What anyone holding the code may see: no applicant data, no form, no fees."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None:
        raise NotFound(_("No dossier %(code)s.", code=code))
    row = procedure_of(session, dossier)
    return {
        "code": dossier.code,
        "procedure_code": row.code,
        "procedure_name": row.name_vi,
        "status": dossier.status,
        "status_name": STATUS_NAMES[Status(dossier.status)],
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "extended_due_at": dossier.extended_due_at,
        "finished_at": dossier.finished_at,
        "returned_at": dossier.returned_at,
        "current_step": current_step_name(session, dossier),
        "outcome": _outcome(dossier),
    }


def _outcome(dossier: Dossier) -> str | None:
    return workflow.dossier_outcome(dossier, utcnow())


# -- transitions ---------------------------------------------------------------------------------
def _require_complete(session: Session, dossier: Dossier, row: Procedure) -> None:
    """The clock starts at the intake of a *complete* dossier. A full-online (toàn trình) procedure is
    submitted entirely online, so its online dossier is received only once every required document has
    been uploaded; otherwise the officer asks for them (5) or refuses (3). Partly-online procedures bring
    papers to the office, where the officer checks them (the checklist shows what was uploaded)."""
    if dossier.channel != Channel.ONLINE or row.online_mode != "full":
        return

    missing = [item["name"] for item in checklist(session, dossier) if item["required"] and not item["present"]]
    if missing:
        raise Conflict(
            _(
                "Dossier %(code)s lacks required documents: %(documents)s. Ask for them (status 5) or "
                "refuse the dossier (status 3).",
                code=dossier.code,
                documents="; ".join(missing),
            ),
            {"documents": missing, "allowed": allowed_targets(dossier)},
        )


def transition(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    to_status: int,
    expected_version: int,
    comment: str | None = None,
    *,
    tenant: TenantContext,
    now: dt.datetime | None = None,
    action: str | None = None,
) -> Dossier:
    """Move ``dossier`` (loaded with ``lock=True``) to ``to_status``. A stale ``expected_version`` or a
    transition the state machine forbids is a Conflict; the latter lists the allowed targets. ``action``
    names the history entry when the same move has a name of its own (``supplement_done``)."""
    now = now or utcnow()
    versions.expect(dossier, expected_version)
    try:
        target = Status(to_status)
    except ValueError:
        raise InvalidInput(_("Unknown status."), {"to_status": [_("Must be a status code from 1 to 10.")]}) from None
    before = Status(dossier.status)
    allowed = allowed_targets(dossier)
    if int(target) not in allowed:
        listed = ", ".join(f"{s} ({STATUS_NAMES[Status(s)]})" for s in allowed) or "none (final status)"
        raise Conflict(
            _(
                "A dossier in status %(before)s (%(status_name)s) cannot move to %(target)s; allowed: %(listed)s.",
                before=int(before),
                status_name=STATUS_NAMES[before],
                target=int(target),
                listed=listed,
            ),
            {"to_status": [_("Allowed: %(allowed)s.", allowed=allowed)], "allowed": allowed},
        )
    if target in (Status.REFUSED, Status.SUPPLEMENT, Status.STOPPED) and not (comment and comment.strip()):
        raise InvalidInput(_("A reason is required."), {"comment": [_("Give the reason (it goes on the notice).")]})
    row = procedure_of(session, dossier)
    if target == Status.RECEIVED:
        _require_complete(session, dossier, row)
        for check in RECEIVING_CHECKS:
            check(session, dossier, row)
        clock.start_clock(session, dossier, row, now)
        clock.count_received(session, tenant, dossier, now)
    elif target == Status.SUPPLEMENT:
        dossier.paused_at = now
        if before != Status.SUBMITTED:  # asked after intake: QĐ 766 counts a second one as late
            dossier.supplement_rounds += 1
    elif before == Status.SUPPLEMENT:
        if dossier.received_at is not None and dossier.paused_at is not None:
            # the paused working time moves the deadline out; the original due date stays as it was
            cal = calendar.load_calendar(session, since=dossier.paused_at.astimezone(VIETNAM).date())
            dossier.extended_due_at = cal.extend(dossier.effective_due_at, [(dossier.paused_at, now)])
            if dossier.report_due_at is not None:  # so does the reports' date, which no extension moves
                dossier.report_due_at = cal.extend(dossier.report_due_at, [(dossier.paused_at, now)])
            workflow.shift_open_step(session, dossier, dossier.paused_at, now)  # the open step moves too
        dossier.paused_at = None
    if target == Status.PROCESSING and dossier.current_step is None:
        dossier.current_step = 0
        workflow.create_steps(session, dossier, row, now)
    elif target == Status.DONE:
        dossier.finished_at = now
        clock.measure_processing(session, dossier, row, now)
    elif target == Status.RETURNED:
        dossier.returned_at = now
    if target in CLOSED_WITHOUT_RESULT and dossier.closed_at is None:
        dossier.closed_at, dossier.closed_status = now, int(target)
    dossier.status = target
    versions.bump(dossier, now)
    history_log.add(session, actor, dossier, action or ACTIONS[target], int(before), int(target), comment, now)
    notices.on_status_change(session, tenant, dossier, row.name_vi, comment)
    national.on_status_change(session, dossier, row, citizen_history(session, dossier), now)
    record(session, actor, "dossier.transition", target=f"dossier:{dossier.code}", from_status=before, to_status=target)
    session.flush()
    return dossier


def supplement_done(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    expected_version: int,
    comment: str | None = None,
    *,
    tenant: TenantContext,
    now: dt.datetime | None = None,
) -> Dossier:
    """The owner (``dossier`` from ``get_own_dossier(..., lock=True)``) says the documents asked for are
    there: the dossier leaves status 5 exactly as an officer's resume moves it, through ``transition`` —
    back to 1 when the supplement was asked before intake (no clock yet), to 4 after it, the paused
    office time added to the due date and to the open step's; history (``supplement_done``), audit and
    ETag as for any transition. Only in status 5 (409 otherwise)."""
    versions.expect(dossier, expected_version)
    if dossier.status != Status.SUPPLEMENT:
        status = Status(dossier.status)
        raise Conflict(
            _(
                "Dossier %(code)s is in status %(status)s (%(status_name)s): only a dossier asked for a "
                "supplement (status 5) can be reported as supplemented.",
                code=dossier.code,
                status=int(status),
                status_name=STATUS_NAMES[status],
            ),
            {"status": [_("Allowed in status 5 only.")]},
        )
    target = Status.SUBMITTED if dossier.received_at is None else Status.PROCESSING
    return transition(
        session,
        actor,
        dossier,
        target,
        expected_version,
        comment,
        tenant=tenant,
        now=now,
        action="supplement_done",
    )
