"""Choosing the backend from the configuration, and the per-tenant view every feature uses."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from motcua_platform.db.database import SLUG_RE
from motcua_platform.storage.interfaces import ObjectStore

if TYPE_CHECKING:
    from motcua_platform.config import Config

# Keys we generate ourselves: lower-case segments of letters, digits, '-' and '_'. No '.', so no '..'.
KEY_RE = re.compile(r"^[a-z0-9_-]{1,64}(/[a-z0-9_-]{1,64}){0,7}$")


@functools.lru_cache(maxsize=4)
def object_store(config: Config) -> ObjectStore:
    """The configured backend (one per process and configuration; boto3 clients are thread-safe)."""
    if config.storage == "s3":
        from motcua_platform.storage.s3 import S3ObjectStore

        return S3ObjectStore(config.s3_bucket, endpoint_url=config.s3_endpoint_url, region=config.s3_region)
    from motcua_platform.storage.local import LocalObjectStore

    return LocalObjectStore(config.instance_path / "storage")


class TenantObjects:
    """``store`` seen through one tenant's prefix: every key becomes ``<slug>/<key>``, and a key that is not
    one of ours (``KEY_RE``) is refused, so no tenant can name another tenant's object."""

    def __init__(self, store: ObjectStore, slug: str):
        if not SLUG_RE.match(slug):
            raise ValueError(f"not a tenant slug: {slug!r}")
        self.store = store
        self.slug = slug

    def _key(self, key: str) -> str:
        if not KEY_RE.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return f"{self.slug}/{key}"

    def put(self, key: str, data: BinaryIO, *, content_type: str) -> None:
        self.store.put(self._key(key), data, content_type=content_type)

    def open(self, key: str) -> BinaryIO:
        return self.store.open(self._key(key))

    def delete(self, key: str) -> None:
        self.store.delete(self._key(key))

    def exists(self, key: str) -> bool:
        return self.store.exists(self._key(key))

    def keys(self) -> Iterator[str]:
        """The tenant's keys, without its prefix (what ``open`` takes)."""
        prefix = f"{self.slug}/"
        for key in self.store.keys(prefix):
            yield key.removeprefix(prefix)


def tenant_objects(config: Config, slug: str) -> TenantObjects:
    return TenantObjects(object_store(config), slug)


def new_key(area: str) -> str:
    """A random key (``documents/<32 hex>``): never derived from anything a user typed."""
    return f"{area}/{secrets.token_hex(16)}"
