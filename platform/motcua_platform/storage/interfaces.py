"""The storage contract. Backends store opaque bytes under a key; they know nothing of tenants. Features
never call a backend directly: they get ``TenantObjects`` (``services.tenant_objects``), which puts every
key under ``<tenant slug>/`` and refuses keys that could climb out of it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol


class ObjectStore(Protocol):
    """Bytes under a key. ``key`` is already validated and namespaced by the caller."""

    def put(self, key: str, data: BinaryIO, *, content_type: str) -> None:
        """Store everything ``data`` yields (from its current position) under ``key``, replacing nothing
        half-way: a reader sees the whole object or none."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; ``FileNotFoundError`` if there is none. Close it."""

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    def exists(self, key: str) -> bool: ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every stored key that starts with ``prefix`` (a folder-like ``<slug>/``), in no set order."""
