"""The message catalogues are complete and compiled: every message the code uses (extracted as
``infra/bin/catalogues`` extracts it, with babel.cfg) is in its package's Vietnamese and English
catalogues, no entry is empty or fuzzy, placeholders match, and each committed ``.mo`` is what its ``.po``
compiles to (the wheel ships the ``.mo``; nothing compiles them later). Fix a failure by running
``infra/bin/catalogues`` and translating what it added (docs/decisions/0025-messages-and-locale.md)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "platform/motcua_platform",
    "tenants/motcua_tenants",
    "tenants/motcua_onestop",
    "tenants/motcua_portal",
    "tenants/motcua_console",
    "billing/motcua_billing",
)
LOCALES = ("vi", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalogue(package: str, locale: str):
    with (ROOT / package / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def _used_in_code(package: str) -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found = extract_from_dir(str(ROOT / package), method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def test_every_area_with_a_catalogue_is_registered():
    import motcua_app  # noqa: F401 - installs the areas
    from motcua_platform import i18n

    directories = {Path(d).resolve() for d in i18n.translation_directories()}
    assert directories == {(ROOT / package / "translations").resolve() for package in PACKAGES}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_message_in_the_code_is_translated(package):
    used = _used_in_code(package)
    assert used, f"{package} uses no message: drop its catalogue or fix the extraction"
    for locale in LOCALES:
        catalogue = _catalogue(package, locale)
        missing = sorted(msgid for msgid in used if msgid not in catalogue or not catalogue[msgid].string)
        assert not missing, f"{package} [{locale}] lacks: {missing} (run infra/bin/catalogues and translate)"


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("locale", LOCALES)
def test_no_entry_is_empty_fuzzy_or_misses_a_placeholder(package, locale):
    catalogue = _catalogue(package, locale)
    assert not catalogue.fuzzy, f"{package} [{locale}]: the catalogue header is fuzzy"
    for message in catalogue:
        if not message.id:
            continue
        # a plural message (ngettext) has a tuple of forms on both sides
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{package} [{locale}]: {message.id!r} is not translated"
        assert not message.fuzzy, f"{package} [{locale}]: {message.id!r} is fuzzy"
        for string in strings:
            assert sorted(set(PLACEHOLDER.findall(string))) == sorted(set(PLACEHOLDER.findall(ids[0]))), (
                f"{package} [{locale}]: {message.id!r} and its translation name different placeholders"
            )
        if locale == "en":
            assert strings == ids, f"{package} [en]: {message.id!r} — English is the msgid"


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("locale", LOCALES)
def test_each_compiled_catalogue_matches_its_source(package, locale):
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue(package, locale), use_fuzzy=True)
    mo = ROOT / package / "translations" / locale / "LC_MESSAGES" / "messages.mo"
    assert mo.is_file() and mo.read_bytes() == compiled.getvalue(), f"{mo} is stale: run infra/bin/catalogues"


@pytest.mark.parametrize("package", PACKAGES)
def test_each_message_call_names_the_parameters_of_its_msgid(package):
    """``_("… %(code)s …", code=…)``: a parameter missing or misspelt would fail only when the message is
    rendered, in front of its reader. (A call without parameters is a template filled in later with ``%``.)"""
    import ast

    wrong = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "gettext")
            if not (called and node.args and isinstance(node.args[0], ast.Constant) and node.keywords):
                continue
            if set(PLACEHOLDER.findall(node.args[0].value)) != {keyword.arg for keyword in node.keywords}:
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not wrong, wrong
