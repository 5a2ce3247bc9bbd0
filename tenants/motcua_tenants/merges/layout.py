"""The tenant tables as the code declares them (``TenantBase.metadata``, every model imported): their columns,
which table each foreign key (or declared id column) points at, their unique keys, in foreign-key order. Read
from the models, never listed by hand, so that a column added later is copied and remapped without anyone
remembering to come here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from motcua_platform.areas import load_models
from motcua_platform.db.base import TenantBase
from sqlalchemy import Column, Computed, Index, Integer, UniqueConstraint

from motcua_tenants.merges.policy import Policy, policy


@dataclass(frozen=True)
class TableLayout:
    name: str
    columns: tuple[str, ...]  # the columns a copy writes (computed ones left out)
    refs: dict[str, str]  # column -> table whose ``id`` it holds (foreign keys and declared ``ids``)
    has_id: bool  # a BIGINT identity ``id``: the rows get new ids (offset) in the target
    unique: tuple[tuple[str, ...], ...]  # plain-column unique keys (primary key included), no partial ones
    policy: Policy
    # partial unique indexes of plain columns: (columns, the index's predicate over the bare table's columns)
    partial_unique: tuple[tuple[tuple[str, ...], str], ...] = ()


def _partial_unique(table) -> list[tuple[tuple[str, ...], str]]:
    keys = []
    for index in table.indexes:
        where = index.dialect_options["postgresql"].get("where")
        if index.unique and where is not None and all(isinstance(e, Column) for e in index.expressions):
            keys.append((tuple(e.name for e in index.expressions), str(where)))
    return keys


def _plain_unique(table) -> list[tuple[str, ...]]:
    keys = [tuple(c.name for c in table.primary_key.columns)]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            keys.append(tuple(c.name for c in constraint.columns))
    for index in table.indexes:
        partial = index.dialect_options["postgresql"].get("where") is not None
        if (
            isinstance(index, Index)
            and index.unique
            and not partial
            and all(isinstance(e, Column) for e in index.expressions)
        ):
            keys.append(tuple(e.name for e in index.expressions))
    return list(dict.fromkeys(keys))


@cache
def tables() -> tuple[TableLayout, ...]:
    """Every tenant table in foreign-key order (a table after those it points at)."""
    load_models()  # every model, the plugins' included, registered in the metadata
    found = []
    for table in TenantBase.metadata.sorted_tables:
        rule = policy(table.name)
        refs = {}
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.name == "id":
                    refs[column.name] = fk.column.table.name
        refs.update(rule.ids)
        columns = tuple(
            c.name for c in table.columns if not isinstance(c.server_default, Computed) and c.computed is None
        )
        has_id = [c.name for c in table.primary_key.columns] == ["id"] and isinstance(table.c.id.type, Integer)
        found.append(
            TableLayout(
                table.name, columns, refs, has_id, tuple(_plain_unique(table)), rule, tuple(_partial_unique(table))
            )
        )
    return tuple(found)


def by_name() -> dict[str, TableLayout]:
    return {table.name: table for table in tables()}
