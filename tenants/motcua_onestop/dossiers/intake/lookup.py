"""The receiving unit and the procedure version an intake needs, cached per process.

Every submission names one of a few hundred units and procedures that change a few times a year, yet
reading them back cost each intake a round trip and about a millisecond of ORM loading, a tenth of an
online submission. The cache keys on the tenant's content versions (``catalogue_version`` and
``units_version`` in TenantInfo, see motcua_platform.directory.content): the process that changes a unit or
the catalogue sees the change at once, the others within MOTCUA_TENANT_CACHE_SECONDS, and entries expire
on their own in case a version bump was lost. A submission that races a change is taken under the rows it
read, as if it had arrived a moment earlier; a unit deleted meanwhile is caught by the foreign key
(``numbering.take``).

Cached rows are detached ORM instances, shared by the requests of one process: read them, never change
or attach them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from motcua_platform.cache import TTLCache
from sqlalchemy.orm import Session

from motcua_onestop.catalogue import receiving
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.units.models import Unit

PROCEDURES = TTLCache(max_entries=4096, ttl=30)
UNITS = TTLCache(max_entries=8192, ttl=30)
PLACES = TTLCache(max_entries=8192, ttl=30)


@dataclass(frozen=True)
class ContentVersions:
    """Which tenant, and the versions of its catalogue and unit tree the request was resolved with."""

    tenant_id: int
    catalogue: int
    units: int


def unit_and_procedure(
    session: Session, procedure_code: str, unit_id: int, enabled: Iterable[str], versions: ContentVersions | None
) -> tuple[Unit | None, Procedure | None]:
    """The unit ``unit_id`` and the published version of ``procedure_code`` citizens may apply under,
    either None when missing. Without ``versions`` (callers outside a request) both are read."""
    enabled = tuple(sorted(enabled))
    if versions is None:
        return _read(session, procedure_code, unit_id, enabled)
    procedure_key = (versions.tenant_id, versions.catalogue, enabled, procedure_code)
    unit_key = (versions.tenant_id, versions.units, unit_id)
    unit, procedure = UNITS.get(unit_key), PROCEDURES.get(procedure_key)
    if unit is not None and procedure is not None:
        return unit, procedure
    unit, procedure = _read(session, procedure_code, unit_id, enabled)
    if unit is not None and procedure is not None:  # misses are not cached: they end in a 4xx anyway
        session.expunge(unit)
        session.expunge(procedure)
        UNITS.put(unit_key, unit)
        PROCEDURES.put(procedure_key, procedure)
    return unit, procedure


def _read(session: Session, procedure_code: str, unit_id: int, enabled: tuple[str, ...]):
    """Both rows in one round trip; when the procedure is missing, the unit alone."""
    both = session.execute(
        catalogue.current_version_query(procedure_code, enabled)
        .add_columns(Unit)
        .join(Unit, Unit.id == unit_id)  # one row or none: no real join condition
        .limit(1)
    ).first()
    if both is None:
        return session.get(Unit, unit_id), None
    return both[1], both[0]


def place_of(session: Session, unit: Unit, versions: ContentVersions | None) -> receiving.Place:
    """``unit``'s place in the tree (``catalogue.receiving``), cached like the unit itself: it changes only
    with the unit tree, whose version is part of the key."""
    if versions is None:
        return receiving.place_of(session, unit)
    key = (versions.tenant_id, versions.units, unit.id)
    place = PLACES.get(key)
    if place is None:
        place = receiving.place_of(session, unit)
        PLACES.put(key, place)
    return place
