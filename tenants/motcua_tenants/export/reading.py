"""An export read back from the folder it was written to or from its zip: its manifest, and every file the
manifest lists hashed again. Deletion destroys the data only after this says that the export it was given is
whole: a truncated zip or a folder that lost a file is refused before anything is dropped."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import orjson
from motcua_platform.errors import InvalidInput

from motcua_tenants.export.encoding import FORMAT_VERSION
from motcua_tenants.export.services import CHUNK, FORMAT

FOLDERS = ("tables", "control", "files")  # where an export puts the files its manifest lists


class Export:
    """One export on disk; ``open_export`` makes one."""

    def __init__(self, path: Path, opener, manifest_bytes: bytes):
        self.path, self._open = path, opener
        self.manifest = parse_manifest(manifest_bytes, path)
        self.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()

    def problems(self) -> list[str]:
        """What is missing from the export or differs from its manifest (size or SHA-256), by path."""
        found = []
        for path, sha256, size in listed_files(self.manifest):
            if not _ours(path):
                found.append(f"{path} is not a path an export writes")
                continue
            digest, read = hashlib.sha256(), 0
            try:
                with self._open(path) as stream:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        read += len(chunk)
            except (FileNotFoundError, KeyError):
                found.append(f"{path} is missing")
                continue
            except (OSError, zipfile.BadZipFile) as exc:  # a zip member whose CRC does not match, a bad disk
                found.append(f"{path} cannot be read ({exc})")
                continue
            if read != size:
                found.append(f"{path} has {read} bytes, the manifest says {size}")
            elif digest.hexdigest() != sha256:
                found.append(f"{path} differs from the manifest (SHA-256)")
        return found


@contextmanager
def open_export(path: Path) -> Iterator[Export]:
    """The export at ``path``: the folder holding ``manifest.json``, or the zip file ``export --zip`` wrote."""
    if path.is_dir():
        root = path.absolute()
        try:
            manifest = (root / "manifest.json").read_bytes()
        except OSError as exc:
            raise InvalidInput(f"{path} holds no readable manifest.json: {exc}") from None
        yield Export(path, lambda name: (root / name).open("rb"), manifest)
        return
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"{path} is neither an export folder nor a readable export zip file: {exc}") from None
    with archive:
        try:
            manifest = archive.read("manifest.json")
        except (KeyError, zipfile.BadZipFile) as exc:
            raise InvalidInput(f"{path} holds no readable manifest.json: {exc}") from None
        yield Export(path, archive.open, manifest)


def parse_manifest(data: bytes, path: Path) -> dict:
    try:
        manifest = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path} has no readable export manifest: {exc}") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("tenant"), dict)
        or not isinstance(manifest.get("tables"), list)
        or not isinstance(manifest.get("files"), list)
    ):
        raise InvalidInput(f"{path} is not a Motcua tenant export.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise InvalidInput(
            f"{path} is an export of format version {manifest.get('format_version')}; this code writes and checks "
            f"version {FORMAT_VERSION}: export again."
        )
    try:
        list(listed_files(manifest))
    except (KeyError, TypeError, AttributeError):
        raise InvalidInput(f"{path} has a manifest that does not list its files as an export does.") from None
    return manifest


def listed_files(manifest: dict) -> Iterator[tuple[str, str, int]]:
    """Every file the manifest lists, as (path, SHA-256, size): each table's JSON Lines and CSV, each control
    table's, each stored object."""
    for entry in manifest["tables"] + manifest.get("control_tables", []):
        for kind in ("jsonl", "csv"):
            yield str(entry[kind]["path"]), str(entry[kind]["sha256"]), int(entry[kind]["bytes"])
    for entry in manifest["files"]:
        yield str(entry["path"]), str(entry["sha256"]), int(entry["bytes"])


def _ours(path: str) -> bool:
    """A relative path under one of the export's folders, which leaves it nowhere (the manifest is read from a
    file the operator hands us)."""
    parts = PurePosixPath(path).parts
    return len(parts) >= 2 and parts[0] in FOLDERS and ".." not in parts and "\\" not in path
