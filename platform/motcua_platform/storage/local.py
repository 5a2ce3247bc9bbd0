"""Objects as files under one folder (``<instance>/storage`` by default): ``<root>/<tenant>/<key>``."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class LocalObjectStore:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        # Keys are validated before they get here; this is the last line of defence against "..".
        if self.root not in path.parents:
            raise ValueError(f"storage key {key!r} leaves the storage folder")
        return path

    def put(self, key: str, data: BinaryIO, *, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed over it: a reader never sees half an object.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(data, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str) -> Iterator[str]:
        folder = self._path(prefix.rstrip("/")) if prefix.rstrip("/") else self.root
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            # half-written uploads (".upload-…", see put) are not objects yet
            if path.is_file() and not path.name.startswith(".upload-"):
                yield path.relative_to(self.root).as_posix()
