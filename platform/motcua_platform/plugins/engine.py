"""Discovering, validating and ordering plugins.

Discovery is through the ``motcua.plugins`` entry-point group; the deployment's allow-list
(``MOTCUA_PLUGINS``; default: the built-ins) decides which load. Loading validates everything up
front — duplicate names, missing required plugins, invalid procedure or form definitions — and
refuses to start with an error naming the plugin. Nothing touches the database here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points

from motcua_platform.plugins.base import Plugin, PluginError

GROUP = "motcua.plugins"
BUILT_IN = ("civil_status", "household_business", "construction", "land")


class PluginRegistry:
    """The loaded plugins of this deployment, in dependency order."""

    def __init__(self, plugins: Iterable[Plugin]):
        self._plugins = {p.name: p for p in plugins}

    def __iter__(self):
        return iter(self._plugins.values())

    def __contains__(self, name: str) -> bool:
        return name in self._plugins

    def __len__(self) -> int:
        return len(self._plugins)

    def get(self, name: str) -> Plugin | None:
        return self._plugins.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._plugins)

    def migration_locations(self) -> list[str]:
        return [str(p.migrations / "versions") for p in self if p.migrations is not None]


def discovered() -> dict[str, list[EntryPoint]]:
    found: dict[str, list[EntryPoint]] = {}
    for entry_point in entry_points(group=GROUP):
        found.setdefault(entry_point.name, []).append(entry_point)
    return found


def load_plugins(
    allow: Iterable[str] | None = None, available: Mapping[str, list[EntryPoint]] | None = None
) -> PluginRegistry:
    allow = tuple(allow) if allow else BUILT_IN
    available = discovered() if available is None else available
    loaded: dict[str, Plugin] = {}
    for name in allow:
        candidates = {ep.value: ep for ep in available.get(name, [])}
        if not candidates:
            raise PluginError(
                f"plugin '{name}' is in the allow-list but not installed (no '{GROUP}' entry point named '{name}')"
            )
        if len(candidates) > 1:
            raise PluginError(f"plugin '{name}' is provided twice: {', '.join(sorted(candidates))}")
        (entry_point,) = candidates.values()
        try:
            cls = entry_point.load()
        except Exception as exc:
            raise PluginError(f"plugin '{name}' failed to import: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Plugin)):
            raise PluginError(f"plugin '{name}': {entry_point.value} is not a Plugin subclass")
        if cls.name != name:
            raise PluginError(f"plugin '{name}': its class declares name '{cls.name}'")
        plugin = cls()
        if problems := plugin.problems():
            raise PluginError(f"plugin '{name}' is invalid: " + "; ".join(problems))
        loaded[name] = plugin
    for plugin in loaded.values():
        missing = [r for r in plugin.required_plugins if r not in loaded]
        if missing:
            raise PluginError(f"plugin '{plugin.name}' requires {', '.join(missing)}, which is not loaded")
    _check_codes_unique(loaded.values())
    return PluginRegistry(_dependency_order(loaded))


def _check_codes_unique(plugins: Iterable[Plugin]) -> None:
    owner: dict[str, str] = {}
    for plugin in plugins:
        for procedure in plugin.procedures:
            if procedure.code in owner:
                raise PluginError(
                    f"plugin '{plugin.name}': procedure code {procedure.code} is already "
                    f"declared by plugin '{owner[procedure.code]}'"
                )
            owner[procedure.code] = plugin.name


def _dependency_order(plugins: Mapping[str, Plugin]) -> list[Plugin]:
    ordered: list[Plugin] = []
    visiting: set[str] = set()

    def visit(plugin: Plugin) -> None:
        if plugin in ordered:
            return
        if plugin.name in visiting:
            raise PluginError(f"plugin '{plugin.name}' is part of a dependency cycle")
        visiting.add(plugin.name)
        for required in plugin.required_plugins:
            visit(plugins[required])
        visiting.discard(plugin.name)
        ordered.append(plugin)

    for plugin in plugins.values():
        visit(plugin)
    return ordered


# The deployment's plugins are a property of the process, like its configuration: set once at start by
# build_runtime (and by each migration worker process), read wherever plugin definitions are needed.
_active: PluginRegistry | None = None


def activate(registry: PluginRegistry) -> PluginRegistry:
    global _active
    _active = registry
    return registry


def active() -> PluginRegistry:
    global _active
    if _active is None:
        from motcua_platform.config import load_config

        _active = load_plugins(load_config().plugins)
    return _active
