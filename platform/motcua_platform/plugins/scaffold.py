"""``motcua plugins new NAME``: write a working plugin distribution to start from.

The files come from ``scaffold_template/`` (package data, with ``${name}``-style placeholders that
``string.Template`` fills in): a pyproject declaring the ``motcua.plugins`` entry point, a package with the
Plugin subclass, one procedure with its form, workflow and fee calculator, and a tests folder whose tests
pass once the distribution is installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Collection
from dataclasses import asdict, dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from motcua_platform.config import PLUGIN_NAME

TEMPLATES = files("motcua_platform.plugins") / "scaffold_template"
NAME_MAX = 60  # the database columns that store a plugin's name


class ScaffoldError(Exception):
    """The plugin cannot be scaffolded; the message says why."""


@dataclass(frozen=True)
class PluginNames:
    """Every name derived from the plugin's name, as the guide's naming rules ask."""

    name: str  # entry point, allow-list entry, Alembic branch, tables' prefix
    package: str  # motcua_plugin_<name>
    distribution: str  # motcua-plugin-<name>
    class_name: str  # <Name>Plugin
    title: str
    code: str  # a placeholder national procedure code, stable per name

    @classmethod
    def of(cls, name: str) -> PluginNames:
        words = name.split("_")
        digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
        return cls(
            name=name,
            package=f"motcua_plugin_{name}",
            distribution=f"motcua-plugin-{name.replace('_', '-')}",
            class_name="".join(w.capitalize() for w in words) + "Plugin",
            title=" ".join(words).capitalize(),
            # National codes start with 1-3; 9 keeps the placeholder clear of every real one.
            code=f"9.{digest % 1_000_000:06d}",
        )


def check_name(name: str, installed: Collection[str]) -> PluginNames:
    """The names for ``name``, or ScaffoldError when it is not a plugin name or is already taken."""
    if not PLUGIN_NAME.fullmatch(name) or len(name) > NAME_MAX:
        raise ScaffoldError(
            f"'{name}' is not a valid plugin name: use lower-case letters, digits and underscores, "
            f"starting with a letter, at most {NAME_MAX} characters (e.g. fishing, water_supply)"
        )
    if name in installed:
        raise ScaffoldError(f"a plugin named '{name}' is already installed; choose another name")
    names = PluginNames.of(name)
    if importlib.util.find_spec(names.package) is not None:
        raise ScaffoldError(f"a Python package named '{names.package}' is already installed; choose another name")
    return names


def scaffold(name: str, target: Path, installed: Collection[str]) -> list[Path]:
    """Write the plugin distribution for ``name`` into ``target`` (which must not exist yet); return the
    files written."""
    names = check_name(name, installed)
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another --path or remove it first")
    values = asdict(names)
    written = []
    for source, relative in _templates(TEMPLATES, ()):
        path = target.joinpath(*(_rename(part, names) for part in relative))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
        written.append(path)
    return written


def _templates(folder: Traversable, relative: tuple[str, ...]):
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _templates(entry, (*relative, entry.name))
        elif entry.name.endswith(".tmpl"):
            yield entry, (*relative, entry.name.removesuffix(".tmpl"))


def _rename(part: str, names: PluginNames) -> str:
    # The template tree says "package" and "NAME" where the plugin's own names go.
    return names.package if part == "package" else part.replace("NAME", names.name)
