"""A backup's table of contents, ``manifest.json``, and the check that a backup folder is whole.

A backup is a folder::

    <slug>-<YYYYmmddTHHMMSSZ>/
        manifest.json          this file's contents (below)
        tables/<table>.copy    the table's rows, PostgreSQL COPY text format
        objects/<key>          the tenant's stored objects (documents, drafts, logo), under their own keys

The folder is written under a hidden temporary name, fsynced and renamed when complete
(``services.backup_tenant``), so a folder with this name and a readable manifest is a finished backup;
``verify_files`` then proves that no byte of it changed since. Every object the rows name is in it (the
backup fails otherwise)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from motcua_platform.errors import InvalidInput
from motcua_platform.storage.services import KEY_RE

FORMAT = "motcua-tenant-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


@dataclass
class TableEntry:
    file: str
    rows: int
    checksum: str
    bytes: int
    sha256: str
    columns: list[str]
    generated: list[str] = field(default_factory=list)


@dataclass
class ObjectEntry:
    key: str
    bytes: int
    sha256: str


@dataclass
class Manifest:
    tenant: dict  # the control-plane facts: slug, name, unit code, branding, domains, plugins
    created_at: str  # ISO 8601, UTC: the moment of the database snapshot
    revisions: list[str]  # the tenant schema's Alembic revisions (one per branch: core and plugins)
    server_version: str
    tables: dict[str, TableEntry]
    sequences: dict[str, dict]
    objects: list[ObjectEntry]
    format: str = FORMAT
    version: int = VERSION

    @property
    def slug(self) -> str:
        return self.tenant["slug"]

    def write_to(self, out: BinaryIO) -> None:
        """The manifest's bytes into ``out`` (the caller creates the file, with its mode, and syncs it)."""
        out.write(json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True).encode())

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise InvalidInput(f"{folder} is not a tenant backup: it has no {MANIFEST}.")
        try:
            raw = json.loads(path.read_text())
            if raw.get("format") != FORMAT:
                raise InvalidInput(f"{path} is not a tenant backup manifest.")
            if raw.get("version") != VERSION:
                raise InvalidInput(
                    f"{path} is backup format version {raw.get('version')}; this code reads version {VERSION}."
                )
            raw["tables"] = {name: TableEntry(**entry) for name, entry in raw["tables"].items()}
            raw["objects"] = [ObjectEntry(**entry) for entry in raw["objects"]]
            return cls(**raw)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InvalidInput(f"{path} is unreadable: {exc}") from None


def file_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while data := stream.read(CHUNK):
            digest.update(data)
            size += len(data)
    return size, digest.hexdigest()


def object_path(folder: Path, key: str) -> Path:
    """Where an object lives in the backup; the key must be one of ours (no '..', no absolute path)."""
    if not KEY_RE.match(key):
        raise InvalidInput(f"the backup names an object {key!r} that is not a storage key")
    return folder / "objects" / key


def table_path(folder: Path, entry: TableEntry) -> Path:
    path = folder / entry.file
    if path.parent != folder / "tables":
        raise InvalidInput(f"the backup names a table file {entry.file!r} outside its tables folder")
    return path


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest names is there with its size and SHA-256; else ``InvalidInput`` listing each
    difference. Checked before anything is created, so a damaged backup changes nothing."""
    problems: list[str] = []

    def check(path: Path, size: int, sha256: str, what: str) -> None:
        if not path.is_file():
            problems.append(f"{what}: missing")
            return
        found_size, found_sha = file_digest(path)
        if (found_size, found_sha) != (size, sha256):
            problems.append(f"{what}: {found_size} bytes, SHA-256 {found_sha[:12]}…; expected {size}, {sha256[:12]}…")

    for name, entry in sorted(manifest.tables.items()):
        check(table_path(folder, entry), entry.bytes, entry.sha256, f"table {name}")
    for obj in manifest.objects:
        check(object_path(folder, obj.key), obj.bytes, obj.sha256, f"object {obj.key}")
    if problems:
        raise InvalidInput(f"The backup in {folder} is damaged; nothing was restored.", {"files": problems})
