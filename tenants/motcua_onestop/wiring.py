"""What the one-stop domain contributes to the kernel's hooks: the unit tree that authorisation reads, a
new tenant's seed (root unit and working calendar), the procedures a plugin brings when it is enabled, and
the payments area's check at intake (a fully online dossier with fees is paid first).
The composition root calls ``connect`` once per process."""

from __future__ import annotations

from collections.abc import Iterable

from motcua_platform import metrics, signals
from motcua_platform.auth.units import provide_unit_tree
from motcua_platform.directory.models import Tenant
from motcua_platform.plugins import Plugin
from sqlalchemy.orm import Session

from motcua_onestop import backlogs, merging
from motcua_onestop.calendar.services import seed_calendar
from motcua_onestop.catalogue.services import sync_plugin
from motcua_onestop.dossiers.services import RECEIVING_CHECKS
from motcua_onestop.payments.services import require_paid_before_intake
from motcua_onestop.units import services as units
from motcua_onestop.units.models import Unit, UnitKind


class UnitTreeService:
    """The kernel's ``UnitTree`` over the tenant's ``units`` table."""

    def exists(self, session: Session, unit_id: int) -> bool:
        return session.get(Unit, unit_id) is not None

    def subtree_ids(self, session: Session, unit_ids: Iterable[int]) -> set[int]:
        return units.subtree_ids(session, set(unit_ids))

    def root_id(self, session: Session) -> int | None:
        return units.root_unit_id(session)


def seed_new_tenant(session: Session, *, tenant: Tenant) -> None:
    """The minimum a new province needs: its root unit and its working calendar (office hours and the
    holidays of last year to two years ahead)."""
    session.add(Unit(kind=UnitKind.PROVINCE, code=tenant.unit_code, name=f"UBND {tenant.name}"))
    session.flush()
    seed_calendar(session)


def add_plugin_procedures(session: Session, *, plugin: Plugin) -> list[str]:
    return sync_plugin(session, plugin)


def connect() -> None:
    provide_unit_tree(UnitTreeService())
    metrics.add_source(backlogs.notification_backlog)
    metrics.add_source(backlogs.national_sync_backlog)
    signals.tenant_seeding.connect(seed_new_tenant)
    signals.plugin_enabled.connect(add_plugin_procedures)
    signals.tenant_merge_planned.connect(merging.check_unit_kinds)
    signals.tenant_merged_in.connect(merging.keep_statistics)
    if require_paid_before_intake not in RECEIVING_CHECKS:
        RECEIVING_CHECKS.append(require_paid_before_intake)
