"""Static assets served by the app (no CDN: many government networks have no internet), with a content
hash in the URL so browsers may keep them a year: a changed file gets a new URL."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, request, url_for

YEAR = 365 * 24 * 3600
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    digest: str
    mimetype: str


class Assets:
    """Files under each registered folder, read once per process, addressed as ``/assets/<name>``."""

    def __init__(self):
        self._folders: list[Path] = []
        self._cache: dict[str, Asset | None] = {}

    def add_folder(self, folder: Path) -> None:
        self._folders.append(folder)

    def find(self, name: str) -> Asset | None:
        if name not in self._cache:
            self._cache[name] = self._read(name)
        return self._cache[name]

    def _read(self, name: str) -> Asset | None:
        for folder in self._folders:
            path = (folder / name).resolve()
            if path.is_relative_to(folder.resolve()) and path.is_file():
                body = path.read_bytes()
                mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
                gzipped = gzip.compress(body, 9, mtime=0) if mimetype in COMPRESSIBLE else None
                return Asset(body, gzipped, hashlib.sha256(body).hexdigest()[:12], mimetype)
        return None

    def url(self, name: str) -> str:
        asset = self.find(name)
        if asset is None:
            raise LookupError(f"no asset named {name!r}")
        return url_for("assets.serve", name=name, v=asset.digest)


ASSETS = Assets()
ASSETS.add_folder(Path(__file__).parent / "static")

# Also the folder of the shared templates (pages/base.html, pages/macros.html, pages/error.html).
blueprint = Blueprint("assets", __name__, template_folder="templates")


@blueprint.get("/assets/<path:name>")
def serve(name: str):
    asset = ASSETS.find(name)
    if asset is None:
        abort(404)
    use_gzip = asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(asset.gzipped if use_gzip else asset.body, mimetype=asset.mimetype)
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    if request.args.get("v") == asset.digest:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:  # an old or missing fingerprint: serve the current file, but let nobody keep it
        response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
