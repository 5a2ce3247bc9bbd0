"""How areas plug into the kernel. The kernel imports no area: the composition root (``motcua_app``) describes
every area's contributions here, by import path, and installs them once per process before the web app,
the CLI or the worker is built (warehouse's ``includeme`` and Indico's plugin hooks, in one declaration)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


def load(path: str) -> Any:
    """``"package.module:attribute"`` → the attribute."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class Areas:
    # "module:attribute" of flask-smorest blueprints, in the order of the OpenAPI document
    blueprints: tuple[str, ...] = ()
    # ("module:attribute", namespace) of procrastinate blueprints
    job_blueprints: tuple[tuple[str, str], ...] = ()
    # "module:attribute" of click groups attached to the ``motcua`` command
    cli_groups: tuple[str, ...] = ()
    # modules defining SQLAlchemy models: a worker maps them all, since foreign keys name other areas' tables
    model_modules: tuple[str, ...] = ()
    # "module:function" called once, with no argument, to connect signal receivers and provide kernel hooks
    connectors: tuple[str, ...] = ()
    # packages whose ``translations/`` folder holds message catalogues (``web.locale``), merged with the kernel's
    translations: tuple[str, ...] = ()
    # "module:attribute" of plain Flask blueprints serving HTML pages (not part of the OpenAPI document)
    pages: tuple[str, ...] = ()


_installed: Areas | None = None


def install(areas: Areas) -> None:
    """Connect the areas' receivers and hooks (once per process, whoever calls first)."""
    global _installed
    if _installed is not None:
        return
    for connector in areas.connectors:
        load(connector)()
    _installed = areas


def installed() -> Areas:
    if _installed is None:
        raise RuntimeError("No areas are installed: import motcua_app (the composition root) first.")
    return _installed


def load_models() -> None:
    for module in installed().model_modules:
        importlib.import_module(module)
