"""The plugin engine: procedure groups (civil status, household business, construction, land…) are
plugins discovered through the ``motcua.plugins`` entry-point group."""

from motcua_platform.plugins.base import Plugin, PluginError
from motcua_platform.plugins.definitions import (
    Fee,
    FeeLine,
    OnlineMode,
    ProcedureDefinition,
    RequiredDocument,
    TimeLimit,
    TimeUnit,
    WorkflowStep,
)

__all__ = [
    "Fee",
    "FeeLine",
    "OnlineMode",
    "Plugin",
    "PluginError",
    "ProcedureDefinition",
    "RequiredDocument",
    "TimeLimit",
    "TimeUnit",
    "WorkflowStep",
]
