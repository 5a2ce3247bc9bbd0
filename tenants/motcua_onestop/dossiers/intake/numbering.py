"""A new dossier's number, its id and, online, how many dossiers its account submitted in the last hour:
one statement, the first write of an intake.

* The code is ``<unit code>-YYMMDD-NNNN``: the unit's daily counter, incremented under the row lock its
  upsert takes, so concurrent intakes at one unit wait for each other and never repeat or skip a number
  (a rolled-back intake rolls its number back too). The lock is held until the intake commits, so the
  intake takes it as late as it can: after every check and the due date, before the one statement that
  writes the dossier and everything that goes with it.
* The id comes from the dossiers' own sequence, so the rows written with the dossier (history, outbox)
  can name it in the same statement (``motcua_platform.db.together``).
* The account's submissions in the last hour (``ix_dossiers_citizen_submitted``) ride along: the intake
  refuses past the hourly limit, and its rollback returns the number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.timezones import VIETNAM
from sqlalchemy import Sequence, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import Dossier, DossierCounter
from motcua_onestop.units.models import Unit

FOREIGN_KEY_VIOLATION = "23503"  # PostgreSQL's SQLSTATE

_COUNTERS = DossierCounter.__table__
_DOSSIERS = Dossier.__table__
DOSSIER_IDS = Sequence("dossiers_id_seq")  # the BIGSERIAL's sequence, in the tenant's schema

_NEXT_NUMBER = (
    insert(_COUNTERS)
    .values(unit_id=bindparam("unit"), day=bindparam("day"), last_number=1)
    .on_conflict_do_update(
        index_elements=[_COUNTERS.c.unit_id, _COUNTERS.c.day], set_={"last_number": _COUNTERS.c.last_number + 1}
    )
    .returning(_COUNTERS.c.last_number)
    .cte("number")
)
_RECENT = (
    select(func.count().label("count"), func.min(_DOSSIERS.c.submitted_at).label("oldest"))
    .where(_DOSSIERS.c.citizen_account_id == bindparam("account"), _DOSSIERS.c.submitted_at > bindparam("since"))
    .subquery("recent")
)
# Built once (module constants): building them costs more than running them.
TAKE = select(_NEXT_NUMBER.c.last_number, DOSSIER_IDS.next_value())
TAKE_COUNTING = (
    select(_NEXT_NUMBER.c.last_number, DOSSIER_IDS.next_value(), _RECENT.c.count, _RECENT.c.oldest)
    .select_from(_NEXT_NUMBER)
    .join(_RECENT, true())
)


@dataclass(frozen=True)
class Taken:
    code: str
    dossier_id: int
    recent: int = 0  # the account's dossiers submitted in the hour before ``since`` + 1 h
    oldest: dt.datetime | None = None  # the oldest of them


def take(
    session: Session, unit: Unit, moment: dt.datetime, *, account: int | None = None, since: dt.datetime | None = None
) -> Taken:
    """The next number of ``unit`` on ``moment``'s day (in Vietnam) and a new dossier id; with ``account``,
    also that account's dossiers submitted after ``since``. A unit deleted since the caller read it (the
    intake's cache may hold it for a few seconds) fails the counter's foreign key: the intake is refused
    like any closed unit, and the caller's transaction must be rolled back."""
    day = moment.astimezone(VIETNAM).date()
    counting = account is not None
    params = {"unit": unit.id, "day": day}
    if counting:
        params |= {"account": account, "since": since}
    session.flush()  # what session.execute would do first; the Core statement skips the ORM's layer
    try:
        row = session.connection().execute(TAKE_COUNTING if counting else TAKE, params).one()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != FOREIGN_KEY_VIOLATION:
            raise
        raise InvalidInput(
            _("The dossier was not received."), {"receiving_unit_id": [_("No such open unit.")]}
        ) from None
    code = f"{unit.code}-{day:%y%m%d}-{row[0]:04d}"
    return Taken(code, row[1], *row[2:]) if counting else Taken(code, row[1])
