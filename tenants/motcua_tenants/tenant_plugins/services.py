"""Which plugins a tenant may use and which it has enabled (docs/decisions/0029-plugins-allowed-vs-enabled.md).

The vendor keeps each tenant's allow-list (what the province's contract allows: ``set_allowed``); the
province's tenant admin enables and disables the allowed ones (``set_enabled``); the vendor's operators may
enable a plugin for the province too (``set_plugin``), which also allows it. Enabling adds the plugin's
procedures to the tenant's catalogue (in the tenant's schema) before the control plane records the plugin as
enabled, so a failure leaves the plugin disabled; syncing again is harmless."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from motcua_platform import signals
from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.models import Tenant, TenantPlugin, TenantStatus
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.plugins import Plugin
from motcua_platform.plugins.engine import PluginRegistry
from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass
class PluginState:
    plugin: Plugin
    enabled: bool
    settings: dict[str, Any]
    allowed: bool = False


def _rows(session: Session, tenant: Tenant) -> dict[str, TenantPlugin]:
    return {r.plugin: r for r in session.scalars(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant.id))}


def _state(plugin: Plugin, row: TenantPlugin | None) -> PluginState:
    return PluginState(
        plugin,
        bool(row and row.enabled),
        {**plugin.default_settings, **(row.settings if row else {})},
        bool(row and row.allowed),
    )


def plugin_states(session: Session, registry: PluginRegistry, slug: str) -> list[PluginState]:
    rows = _rows(session, get_tenant(session, slug))
    return [_state(plugin, rows.get(plugin.name)) for plugin in registry]


def _loaded(registry: PluginRegistry, name: str) -> Plugin:
    plugin = registry.get(name)
    if plugin is None:
        raise NotFound(_("No plugin named '%(name)s' is loaded in this deployment.", name=name))
    return plugin


def _changeable(control: Session, slug: str) -> Tenant:
    tenant = get_tenant(control, slug)
    if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise Conflict(
            _(
                "Tenant '%(slug)s' is %(status)s; plugins can be changed once it is provisioned.",
                slug=slug,
                status=tenant.status,
            )
        )
    return tenant


def _check_requirements(
    registry: PluginRegistry, plugin: Plugin, rows: dict[str, TenantPlugin], slug: str, *, enabled: bool
) -> None:
    """Enabling needs the plugin's required plugins enabled; disabling one an enabled plugin needs is refused."""
    enabled_now = {n for n, r in rows.items() if r.enabled}
    if enabled:
        missing = [r for r in plugin.required_plugins if r not in enabled_now]
        if missing:
            raise Conflict(
                _(
                    "Plugin '%(name)s' needs %(plugins)s enabled for '%(slug)s' first.",
                    name=plugin.name,
                    plugins=", ".join(missing),
                    slug=slug,
                )
            )
    else:
        dependants = [p.name for p in registry if plugin.name in p.required_plugins and p.name in enabled_now]
        if dependants:
            raise Conflict(
                _(
                    "Plugin '%(name)s' is needed by %(plugins)s; disable those first.",
                    name=plugin.name,
                    plugins=", ".join(dependants),
                )
            )


def _sync_catalogue(db: Database, actor: Actor, slug: str, plugin: Plugin) -> list[str]:
    """Add the plugin's procedures to the tenant's catalogue and record it in the tenant's trail, committed
    before the control plane row: the tenant's procedures must exist before the plugin shows as enabled;
    enabling again is harmless, so a failure in between is too."""
    with db.tenant_session(db.binding(slug)) as tenant_session:
        replies = signals.plugin_enabled.send(tenant_session, plugin=plugin)
        added = [item for _, result in replies for item in result]
        record(tenant_session, actor, "plugin.enable", target=f"plugin:{plugin.name}", procedures_added=added)
        tenant_session.commit()
    return added


def _record_disable_in_tenant(db: Database, actor: Actor, slug: str, plugin: Plugin) -> None:
    # the province's own trail shows who took its procedures off the portal, as it shows who added them
    with db.tenant_session(db.binding(slug)) as tenant_session:
        record(tenant_session, actor, "plugin.disable", target=f"plugin:{plugin.name}")
        tenant_session.commit()


def _change(
    control: Session,
    db: Database,
    actor: Actor,
    registry: PluginRegistry,
    slug: str,
    name: str,
    *,
    enabled: bool | None = None,
    allowed: bool | None = None,
    settings: Mapping[str, Any] | None = None,
) -> PluginState:
    """The one way a tenant's plugin row changes: checks, the tenant's catalogue and trail, the control row
    and trail, one commit of ``control``."""
    plugin = _loaded(registry, name)
    if settings and (problems := plugin.validate_settings(settings)):
        raise InvalidInput(_("Settings for plugin '%(name)s' were not saved.", name=name), {"settings": problems})
    tenant = _changeable(control, slug)
    rows = _rows(control, tenant)
    row = rows.get(name)
    was_enabled = bool(row and row.enabled)
    if allowed is False and was_enabled:
        enabled = False  # taken off the allow-list: the province can no longer have it
    if enabled is not None:
        _check_requirements(registry, plugin, rows, slug, enabled=enabled)
    added: list[str] = []
    if enabled:
        added = _sync_catalogue(db, actor, slug, plugin)
    elif enabled is False and was_enabled:
        _record_disable_in_tenant(db, actor, slug, plugin)
    row = row or TenantPlugin(tenant_id=tenant.id, plugin=name, settings={}, allowed=False, enabled=False)
    if allowed is not None:
        row.allowed = allowed
    if enabled is not None:
        row.enabled = enabled
    row.settings = {**row.settings, **(settings or {})}
    row.updated_at = utcnow()
    control.add(row)
    if allowed is not None:
        record(
            control,
            actor,
            "plugin.allow" if allowed else "plugin.disallow",
            target=f"plugin:{name}",
            tenant_slug=slug,
            disabled=allowed is False and was_enabled,
        )
    if enabled is not None:
        record(
            control,
            actor,
            "plugin.enable" if enabled else "plugin.disable",
            target=f"plugin:{name}",
            tenant_slug=slug,
            settings=sorted(settings or {}),
            procedures_added=added,
        )
    control.commit()
    return _state(plugin, row)


def set_plugin(
    control: Session,
    db: Database,
    actor: Actor,
    registry: PluginRegistry,
    slug: str,
    name: str,
    *,
    enabled: bool,
    settings: Mapping[str, Any] | None = None,
) -> PluginState:
    """The vendor enables or disables ``name`` for ``slug`` (and sets its settings), committing ``control``.
    Enabling also allows it (the operator acts under the contract); disabling leaves it allowed, so the
    province may enable it again. Enabling first syncs the catalogue in the tenant's own session and commits
    it; the control row follows, so a failure between the two leaves the plugin disabled with its procedures
    added but hidden, and enabling again is harmless."""
    return _change(
        control, db, actor, registry, slug, name, enabled=enabled, allowed=True if enabled else None, settings=settings
    )


def set_allowed(
    control: Session,
    db: Database,
    actor: Actor,
    registry: PluginRegistry,
    slug: str,
    name: str,
    *,
    allowed: bool,
) -> PluginState:
    """The vendor puts ``name`` on the allow-list of ``slug`` (what its contract allows) or takes it off.
    Taking an enabled plugin off disables it too, refused while an enabled plugin requires it."""
    return _change(control, db, actor, registry, slug, name, allowed=allowed)


def set_enabled(
    control: Session,
    db: Database,
    actor: Actor,
    registry: PluginRegistry,
    slug: str,
    name: str,
    *,
    enabled: bool,
) -> PluginState:
    """The province enables or disables ``name`` for itself: enabling only what its allow-list holds."""
    _loaded(registry, name)  # an unknown plugin is a 404 before the contract's 409
    if enabled:
        row = _rows(control, get_tenant(control, slug)).get(name)
        if not (row and row.allowed):
            raise Conflict(
                _(
                    "Plugin '%(name)s' is not in the province's contract; ask the platform's vendor to allow it.",
                    name=name,
                )
            )
    return _change(control, db, actor, registry, slug, name, enabled=enabled)
