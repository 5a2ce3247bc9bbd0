"""The tenant's procedure catalogue: syncing from plugins, local overrides and drift, versions, search,
forms and fees. Services take the tenant's session and the deployment's plugin registry; no Flask."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.plugins import Fee, Plugin
from motcua_platform.plugins.definitions import OnlineMode, ProcedureDefinition, TimeUnit
from motcua_platform.plugins.engine import PluginRegistry
from motcua_platform.plugins.forms import form_schema, validate_form
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.diff import FieldDiff, entry_diff
from motcua_onestop.catalogue.models import OVERRIDABLE, Procedure, ProcedureStatus
from motcua_onestop.catalogue.text import fold

# Fields of a catalogue entry, in the order of the reference snapshot.
ENTRY_FIELDS = (
    "code", "name_vi", "name_en", "field", "level", "competent_unit_kind", "time_limit_value", "time_limit_unit",
    "same_day_cutoff_hour", "fees", "documents", "online_mode", "legacy_level", "result_document", "legal_basis",
    "applicants", "workflow",
)  # fmt: skip


@dataclass(frozen=True)
class CatalogueFilter:
    q: str | None = None
    field: str | None = None
    level: str | None = None
    unit_kind: str | None = None
    online_mode: str | None = None
    plugin: str | None = None


# -- rows ----------------------------------------------------------------------------------------
# A provincial code's suffix (2.001000.H15) is also a word of its own, so that `h15` finds the province's codes.
CODE_SUFFIX = re.compile(r"^(.+)\.([a-z][a-z0-9]*)$")


def fill_search(row: Procedure) -> None:
    row.search_name = " " + fold(row.name_vi)
    code = fold(row.code)
    code_words = CODE_SUFFIX.sub(r"\1 \2", code)
    parts = [row.name_vi, row.name_en or "", code, code_words, row.field, row.result_document or ""]
    row.search_text = " " + fold(" ".join(parts))
    row.search_prefixes = word_prefixes(row.search_text)


def word_prefixes(text: str) -> list[str]:
    """Every prefix of every word of ``text``, once each, sorted: 'dang ky' → ['d', 'da', 'dan', 'dang', 'k', 'ky']."""
    return sorted({word[:n] for word in text.split() for n in range(1, len(word) + 1)})


def row_from_definition(plugin: Plugin, definition: ProcedureDefinition) -> Procedure:
    reference = definition.reference()
    row = Procedure(
        plugin=plugin.name,
        plugin_key=definition.key,
        version=1,
        status=ProcedureStatus.PUBLISHED,
        reference=reference,
        overridden=[],
        published_at=utcnow(),
        **{name: reference[name] for name in ENTRY_FIELDS},
    )
    fill_search(row)
    return row


def sync_plugin(session: Session, plugin: Plugin) -> list[str]:
    """Add the plugin's procedures the tenant does not have yet; return their codes. Existing entries are
    left alone (updates to them are offered as drift)."""
    have = {key for (key,) in session.execute(select(Procedure.plugin_key).where(Procedure.plugin == plugin.name))}
    missing = [d for d in plugin.procedures if d.key not in have]
    clashes = sorted(set(session.scalars(select(Procedure.code).where(Procedure.code.in_([d.code for d in missing])))))
    if clashes:
        raise Conflict(
            _(
                "The catalogue already has procedures with codes %(codes)s (the province's own, or this "
                "plugin's under another key); re-code them before enabling plugin '%(name)s'.",
                codes=", ".join(clashes),
                name=plugin.name,
            )
        )
    session.add_all(row_from_definition(plugin, d) for d in missing)
    session.flush()
    return [d.code for d in missing]


# -- queries -------------------------------------------------------------------------------------
def visible(enabled: Iterable[str]):
    return and_(
        Procedure.status == ProcedureStatus.PUBLISHED,
        or_(Procedure.plugin.is_(None), Procedure.plugin.in_(list(enabled))),
    )


SUMMARY_COLUMNS = (
    Procedure.code,
    Procedure.version,
    Procedure.name_vi,
    Procedure.name_en,
    Procedure.field,
    Procedure.level,
    Procedure.competent_unit_kind,
    Procedure.time_limit_value,
    Procedure.time_limit_unit,
    Procedure.same_day_cutoff_hour,
    Procedure.online_mode,
    Procedure.plugin,
)


def get_procedure(
    session: Session, code: str, enabled: Iterable[str], version: int | None = None, include_unpublished: bool = False
) -> Procedure:
    query = select(Procedure).where(Procedure.code == code)
    if version is not None:
        query = query.where(Procedure.version == version)
        if not include_unpublished:
            query = query.where(
                or_(Procedure.plugin.is_(None), Procedure.plugin.in_(list(enabled))),
                Procedure.status != ProcedureStatus.DRAFT,
            )
    elif include_unpublished:
        query = query.order_by(Procedure.version.desc()).limit(1)
    else:
        query = current_version_query(code, enabled)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"No procedure with code {code}" + (f" version {version}." if version else "."))
    return row


def current_version_query(code: str, enabled: Iterable[str]) -> Select:
    """The published version of ``code`` that citizens may apply under (what ``get_procedure`` reads)."""
    return select(Procedure).where(Procedure.code == code, visible(enabled))


def versions(session: Session, code: str) -> list[Procedure]:
    rows = list(session.scalars(select(Procedure).where(Procedure.code == code).order_by(Procedure.version)))
    if not rows:
        raise NotFound(_("No procedure with code %(code)s.", code=code))
    return rows


# -- editing -------------------------------------------------------------------------------------
def _entry_problems(values: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "time_limit_unit" in values and values["time_limit_unit"] not in set(TimeUnit):
        errors["time_limit_unit"] = [_("Must be one of: %(units)s.", units=", ".join(TimeUnit))]
    if "time_limit_value" in values and (
        not isinstance(values["time_limit_value"], int) or values["time_limit_value"] < 0
    ):
        errors["time_limit_value"] = [_("Must be a whole number, 0 or more.")]
    if values.get("time_limit_value") == 0 and values.get("same_day_cutoff_hour") is None:
        errors["time_limit_value"] = [_("0 is only allowed for same-day procedures with a cut-off hour.")]
    cutoff = values.get("same_day_cutoff_hour")
    if cutoff is not None and not 0 < cutoff < 24:
        errors["same_day_cutoff_hour"] = [_("Must be an hour between 1 and 23.")]
    if "online_mode" in values and values["online_mode"] not in set(OnlineMode):
        errors["online_mode"] = [_("Must be one of: %(modes)s.", modes=", ".join(OnlineMode))]
    for index, fee in enumerate(values.get("fees") or []):
        if not str(fee.get("name", "")).strip() or not isinstance(fee.get("amount"), int) or fee["amount"] < 0:
            errors.setdefault("fees", []).append(
                _("Fee %(number)s needs a name and a whole, non-negative VND amount.", number=index + 1)
            )
    return errors


def _next_version(session: Session, code: str) -> int:
    return (session.scalar(select(func.max(Procedure.version)).where(Procedure.code == code)) or 0) + 1


def create_procedure(session: Session, actor: Actor, values: Mapping[str, Any]) -> Procedure:
    """The province's own procedure (not from a plugin), created as a draft."""
    if session.scalar(select(Procedure.id).where(Procedure.code == values["code"]).limit(1)) is not None:
        raise InvalidInput(
            _("The procedure was not created."), {"code": [_("Code %(code)s is already used.", code=values["code"])]}
        )
    if errors := _entry_problems(values):
        raise InvalidInput(_("The procedure was not created."), errors)
    row = Procedure(
        version=1, status=ProcedureStatus.DRAFT, overridden=[], **{k: v for k, v in values.items() if k in ENTRY_FIELDS}
    )
    fill_search(row)
    session.add(row)
    session.flush()
    record(session, actor, "procedure.create", target=f"procedure:{row.code}")
    return row


def revise(session: Session, actor: Actor, code: str, changes: Mapping[str, Any]) -> Procedure:
    """Change a procedure: edits go to its draft version (made from the current version if needed). For a
    plugin's procedure only fees, time limit and online mode may differ locally; those are overrides."""
    rows = versions(session, code)
    current = rows[-1]
    if current.plugin is not None:
        refused = sorted(set(changes) - set(OVERRIDABLE))
        if refused:
            raise InvalidInput(
                _(
                    "A plugin's procedure keeps its definition; only fees, time limit and online mode can be "
                    "overridden.",
                ),
                {name: ["Defined by the plugin; cannot be changed here."] for name in refused},
            )
    if errors := _entry_problems({**{f: getattr(current, f) for f in ENTRY_FIELDS}, **changes}):
        raise InvalidInput(_("The procedure was not changed."), errors)
    if current.status != ProcedureStatus.DRAFT:
        draft = Procedure(
            version=_next_version(session, code),
            status=ProcedureStatus.DRAFT,
            plugin=current.plugin,
            plugin_key=current.plugin_key,
            reference=current.reference,
            overridden=list(current.overridden),
            **{f: getattr(current, f) for f in ENTRY_FIELDS},
        )
        session.add(draft)
        current = draft
    for name, value in changes.items():
        setattr(current, name, value)
    if current.plugin is not None:
        current.overridden = sorted(f for f in OVERRIDABLE if getattr(current, f) != (current.reference or {}).get(f))
    fill_search(current)
    session.flush()
    record(
        session, actor, "procedure.revise", target=f"procedure:{code}", version=current.version, fields=sorted(changes)
    )
    return current


def publish(session: Session, actor: Actor, code: str) -> Procedure:
    rows = versions(session, code)
    draft = next((r for r in rows if r.status == ProcedureStatus.DRAFT), None)
    if draft is None:
        raise Conflict(_("Procedure %(code)s has no draft version to publish.", code=code))
    now = utcnow()
    for row in rows:
        if row.status == ProcedureStatus.PUBLISHED:
            row.status, row.retired_at = ProcedureStatus.RETIRED, now
    session.flush()  # the partial unique index allows one published version per code
    draft.status, draft.published_at = ProcedureStatus.PUBLISHED, now
    session.flush()
    record(session, actor, "procedure.publish", target=f"procedure:{code}", version=draft.version)
    return draft


def retire(session: Session, actor: Actor, code: str) -> Procedure:
    rows = versions(session, code)
    published = next((r for r in rows if r.status == ProcedureStatus.PUBLISHED), None)
    if published is None:
        raise Conflict(_("Procedure %(code)s has no published version to retire.", code=code))
    published.status, published.retired_at = ProcedureStatus.RETIRED, utcnow()
    session.flush()
    record(session, actor, "procedure.retire", target=f"procedure:{code}", version=published.version)
    return published


# -- plugin drift --------------------------------------------------------------------------------
@dataclass
class Drift:
    code: str
    version: int
    plugin: str
    removed: bool
    overrides_drifted: list[str]  # the plugin changed a field the province overrides
    updates_available: list[str]  # the plugin changed a field the province follows


def _current_rows(session: Session) -> list[Procedure]:
    latest = (
        select(Procedure.code, func.max(Procedure.version).label("version"))
        .where(Procedure.plugin.is_not(None), Procedure.status != ProcedureStatus.RETIRED)
        .group_by(Procedure.code)
        .subquery()
    )
    return list(
        session.scalars(
            select(Procedure)
            .join(latest, and_(Procedure.code == latest.c.code, Procedure.version == latest.c.version))
            .order_by(Procedure.code)
        )
    )


def drift(session: Session, registry: PluginRegistry, enabled: Iterable[str]) -> list[Drift]:
    enabled = set(enabled)
    found = []
    for row in _current_rows(session):
        if row.plugin not in enabled:
            continue
        plugin = registry.get(row.plugin)
        definition = plugin.procedure(row.plugin_key) if plugin else None
        if definition is None:
            found.append(Drift(row.code, row.version, row.plugin, True, [], []))
            continue
        current = definition.reference()
        changed = [f for f in ENTRY_FIELDS if current.get(f) != (row.reference or {}).get(f)]
        if changed:
            found.append(
                Drift(
                    row.code,
                    row.version,
                    row.plugin,
                    False,
                    [f for f in changed if f in row.overridden],
                    [f for f in changed if f not in row.overridden],
                )
            )
    return found


@dataclass
class DriftDiff:
    code: str
    version: int
    status: str
    plugin: str
    removed: bool  # the plugin no longer defines the procedure: nothing to compare with
    fields: list[FieldDiff]


def drift_diff(session: Session, registry: PluginRegistry, enabled: Iterable[str], code: str) -> DriftDiff:
    """One plugin procedure of the province (its latest version that is not retired, as ``drift`` reads it)
    field by field beside the plugin's current definition: what the plugin says and what the province has."""
    row = next((r for r in _current_rows(session) if r.code == code and r.plugin in set(enabled)), None)
    if row is None:
        raise NotFound(_("Procedure %(code)s is not a procedure of an enabled plugin.", code=code))
    plugin = registry.get(row.plugin)
    definition = plugin.procedure(row.plugin_key) if plugin else None
    if definition is None:
        return DriftDiff(row.code, row.version, row.status, row.plugin, True, [])
    province = {name: getattr(row, name) for name in ENTRY_FIELDS}
    fields = entry_diff(ENTRY_FIELDS, definition.reference(), province, row.reference or {}, row.overridden)
    return DriftDiff(row.code, row.version, row.status, row.plugin, False, fields)


def apply_plugin_update(session: Session, actor: Actor, registry: PluginRegistry, code: str) -> Procedure:
    """A draft that takes the plugin's current definition and keeps the province's overrides."""
    current = versions(session, code)[-1]
    plugin = registry.get(current.plugin) if current.plugin else None
    definition = plugin.procedure(current.plugin_key) if plugin else None
    if definition is None:
        raise Conflict(_("Procedure %(code)s is not linked to a loaded plugin definition.", code=code))
    reference = definition.reference()
    if reference == current.reference:
        raise Conflict(_("Procedure %(code)s already follows the plugin's current definition.", code=code))
    if current.status != ProcedureStatus.DRAFT:
        current = Procedure(
            version=_next_version(session, code),
            status=ProcedureStatus.DRAFT,
            plugin=current.plugin,
            plugin_key=current.plugin_key,
            overridden=list(current.overridden),
            **{f: getattr(current, f) for f in ENTRY_FIELDS},
        )
        session.add(current)
    for name in ENTRY_FIELDS:
        if name not in current.overridden:
            setattr(current, name, reference[name])
    current.reference = reference
    current.overridden = sorted(f for f in OVERRIDABLE if getattr(current, f) != reference.get(f))
    fill_search(current)
    session.flush()
    record(session, actor, "procedure.plugin_update", target=f"procedure:{code}", version=current.version)
    return current


# -- forms and fees ------------------------------------------------------------------------------
def definition_for(registry: PluginRegistry, row: Procedure) -> ProcedureDefinition | None:
    """The plugin definition behind a catalogue version, with that version's fees: the fees a dossier
    owes are those of the version it is submitted under, whatever the plugin's latest release says."""
    plugin = registry.get(row.plugin) if row.plugin else None
    definition = plugin.procedure(row.plugin_key) if plugin else None
    if definition is None:
        return None
    fees = tuple(Fee(f["name"], f["amount"], f.get("per"), tuple(f.get("exemptions") or ())) for f in row.fees)
    return dataclasses.replace(definition, fees=fees)


def check_form(
    registry: PluginRegistry, row: Procedure, data: Any, settings: Mapping[str, Any] | None = None
) -> tuple[dict, list]:
    """Validate an application form (every error at once, in Vietnamese) and compute its fees with the
    tenant's settings for the plugin. Returns the cleaned data in JSON form and the fee lines."""
    definition = definition_for(registry, row)
    if definition is None:
        raise InvalidInput(_("This procedure has no electronic form yet."), {"_form": [_("No electronic form.")]})
    cleaned = validate_form(definition.form, data)
    effective = {**registry.get(row.plugin).default_settings, **(settings or {})}
    return form_schema(definition.form).dump(cleaned), definition.fee_calculator(cleaned, definition, effective)


def fields_of(session: Session, enabled: Iterable[str]) -> list[tuple[str, int]]:
    """The fields (lĩnh vực) of the published catalogue with how many procedures each has, by name."""
    query = (
        select(Procedure.field, func.count())
        .where(visible(list(enabled)))
        .group_by(Procedure.field)
        .order_by(Procedure.field)
    )
    return [(name, count) for name, count in session.execute(query)]
