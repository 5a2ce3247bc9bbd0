"""The source's documents copied in object storage, before the database transaction: ``<source>/<key>`` to
``<target>/merged/<source>/<key>`` (``copy.Merge.key_prefix``), which the copied rows name. Copying again
overwrites with the same bytes, so a re-run after a crash copies what is missing and harms nothing; the
source's objects stay where they are (its schema is kept too) until the source tenant is deleted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from motcua_platform.storage.services import TenantObjects
from sqlalchemy import Connection, text

from motcua_tenants.merges.copy import quote
from motcua_tenants.merges.policy import STORAGE_CONTENT_TYPES, STORAGE_KEYS

THREADS = 8  # object stores answer in parallel; the local one is bound by the disk anyway


def source_keys(conn: Connection, schema: str) -> list[tuple[str, str]]:
    """(key, content type) of every object the source's rows name."""
    keys = []
    for table, column in STORAGE_KEYS.items():
        content_type = STORAGE_CONTENT_TYPES[table]
        keys += conn.execute(text(f"SELECT {quote(column)}, {content_type} FROM {quote(schema)}.{quote(table)}")).all()
    return [(key, content_type) for key, content_type in keys if key]


def copy_objects(source: TenantObjects, target: TenantObjects, keys: list[tuple[str, str]], prefix: str) -> int:
    def one(item: tuple[str, str]) -> None:
        key, content_type = item
        with source.open(key) as data:
            target.put(prefix + key, data, content_type=content_type or "application/octet-stream")

    with ThreadPoolExecutor(THREADS) as pool:
        for _ in pool.map(one, keys):
            pass
    return len(keys)


def remove_copies(target: TenantObjects, prefix: str) -> int:
    """Every object under the target's ``prefix`` (a failed merge's copies, which no committed row names); how
    many."""
    removed = 0
    for key in list(target.store.keys_under(f"{target.slug}/{prefix}")):
        target.store.delete(key)
        removed += 1
    return removed


def missing(source: TenantObjects, keys: list[tuple[str, str]]) -> list[str]:
    """The keys among ``keys`` the source's storage does not hold."""
    with ThreadPoolExecutor(THREADS) as pool:
        held = list(pool.map(lambda item: source.exists(item[0]), keys))
    return [key for (key, _type), there in zip(keys, held, strict=True) if not there]
