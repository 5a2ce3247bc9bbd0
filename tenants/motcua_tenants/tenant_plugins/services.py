"""Enabling and disabling plugins per tenant. Enabling adds the plugin's procedures to the tenant's
catalogue (in the tenant's schema) before the control plane records the plugin as enabled, so a failure
leaves the plugin disabled; syncing again is harmless."""

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


def _rows(session: Session, tenant: Tenant) -> dict[str, TenantPlugin]:
    return {r.plugin: r for r in session.scalars(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant.id))}


def plugin_states(session: Session, registry: PluginRegistry, slug: str) -> list[PluginState]:
    rows = _rows(session, get_tenant(session, slug))
    return [
        PluginState(
            plugin,
            bool(rows.get(plugin.name) and rows[plugin.name].enabled),
            {**plugin.default_settings, **(rows[plugin.name].settings if plugin.name in rows else {})},
        )
        for plugin in registry
    ]


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
    """Enable or disable ``name`` for ``slug`` and commit ``control``. Enabling first syncs the catalogue in
    the tenant's own session and commits it; the control row follows, so a failure between the two leaves
    the plugin disabled with its procedures added but hidden, and enabling again is harmless."""
    plugin = registry.get(name)
    if plugin is None:
        raise NotFound(_("No plugin named '%(name)s' is loaded in this deployment.", name=name))
    if settings and (problems := plugin.validate_settings(settings)):
        raise InvalidInput(_("Settings for plugin '%(name)s' were not saved.", name=name), {"settings": problems})
    tenant = get_tenant(control, slug)
    if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise Conflict(
            _(
                "Tenant '%(slug)s' is %(status)s; plugins can be changed once it is provisioned.",
                slug=slug,
                status=tenant.status,
            )
        )
    rows = _rows(control, tenant)
    enabled_now = {n for n, r in rows.items() if r.enabled}
    if enabled:
        missing = [r for r in plugin.required_plugins if r not in enabled_now]
        if missing:
            raise Conflict(
                _(
                    "Plugin '%(name)s' needs %(plugins)s enabled for '%(slug)s' first.",
                    name=name,
                    plugins=", ".join(missing),
                    slug=slug,
                )
            )
    else:
        dependants = [p.name for p in registry if name in p.required_plugins and p.name in enabled_now]
        if dependants:
            raise Conflict(
                _(
                    "Plugin '%(name)s' is needed by %(plugins)s; disable those first.",
                    name=name,
                    plugins=", ".join(dependants),
                )
            )
    added: list[str] = []
    if enabled:
        with db.tenant_session(db.binding(slug)) as tenant_session:
            replies = signals.plugin_enabled.send(tenant_session, plugin=plugin)
            added = [item for _, result in replies for item in result]
            record(tenant_session, actor, "plugin.enable", target=f"plugin:{name}", procedures_added=added)
            # Committed here, before the control plane row: the tenant's procedures must exist before the
            # plugin shows as enabled; enabling again is harmless (see above), so a failure in between is too.
            tenant_session.commit()
    row = rows.get(name) or TenantPlugin(tenant_id=tenant.id, plugin=name, settings={})
    row.enabled = enabled
    row.settings = {**row.settings, **(settings or {})}
    row.updated_at = utcnow()
    control.add(row)
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
    return PluginState(plugin, enabled, {**plugin.default_settings, **row.settings})
