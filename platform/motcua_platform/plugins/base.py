"""The base class every procedure-group plugin subclasses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from motcua_platform.i18n import _
from motcua_platform.plugins.definitions import ProcedureDefinition


class PluginError(Exception):
    """A plugin cannot be loaded; the message names the plugin."""


class Plugin:
    """A procedure group. Subclasses declare, as class attributes:

    ``name`` (entry-point name), ``title_vi``/``title_en``, ``version``, ``required_plugins``,
    ``procedures`` (ProcedureDefinition tuple), ``default_settings`` (per-tenant settings with their
    defaults), and optionally ``migrations`` (a folder of tenant-environment Alembic revisions on a
    branch labelled with the plugin name; tables must be prefixed ``<name>_``).
    """

    name: ClassVar[str] = ""
    title_vi: ClassVar[str] = ""
    title_en: ClassVar[str] = ""
    version: ClassVar[str] = "0"
    required_plugins: ClassVar[tuple[str, ...]] = ()
    procedures: ClassVar[tuple[ProcedureDefinition, ...]] = ()
    default_settings: ClassVar[Mapping[str, Any]] = {}
    migrations: ClassVar[Path | None] = None
    models: ClassVar[str | None] = None  # module declaring the plugin's tenant tables

    def procedure(self, key: str) -> ProcedureDefinition | None:
        return next((p for p in self.procedures if p.key == key), None)

    def validate_settings(self, settings: Mapping[str, Any]) -> dict[str, list[str]]:
        """Field → problems for per-tenant settings; unknown keys and wrong types are refused."""
        errors: dict[str, list[str]] = {}
        for key, value in settings.items():
            if key not in self.default_settings:
                errors[key] = [_("Unknown setting for plugin %(name)s.", name=self.name)]
            elif not isinstance(value, type(self.default_settings[key])):
                errors[key] = [_("Must be of type %(type_name)s.", type_name=type(self.default_settings[key]).__name__)]
        return errors

    def problems(self) -> list[str]:
        errors = []
        if not self.title_vi or not self.title_en:
            errors.append("titles in Vietnamese and English are required")
        keys = [p.key for p in self.procedures]
        codes = [p.code for p in self.procedures]
        if len(set(keys)) != len(keys):
            errors.append("procedure keys must be unique")
        if len(set(codes)) != len(codes):
            errors.append("procedure codes must be unique")
        for procedure in self.procedures:
            errors += [f"procedure {procedure.key}: {problem}" for problem in procedure.problems()]
        if self.migrations is not None and not (Path(self.migrations) / "versions").is_dir():
            errors.append(f"migrations folder {self.migrations} has no versions/ directory")
        return errors
