"""The unit tree as authorisation sees it. Staff roles are held on units (a department, a commune, the
province itself) and an admin's reach is the subtree under their units; the tree itself belongs to the
one-stop domain, which provides it here when the composition root installs the areas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.orm import Session


class UnitTree(Protocol):
    def exists(self, session: Session, unit_id: int) -> bool:
        """Whether the tenant has a unit with this id."""

    def subtree_ids(self, session: Session, unit_ids: Iterable[int]) -> set[int]:
        """The given units and every unit below them."""

    def root_id(self, session: Session) -> int | None:
        """The province's own unit, at the top of the tree."""


_tree: UnitTree | None = None


def provide_unit_tree(tree: UnitTree) -> None:
    global _tree
    _tree = tree


def unit_tree() -> UnitTree:
    if _tree is None:
        raise RuntimeError("No unit tree is installed: the composition root (motcua_app) installs the areas.")
    return _tree
