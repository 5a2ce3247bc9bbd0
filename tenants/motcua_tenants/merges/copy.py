"""The SQL of a merge's data step: ``INSERT … SELECT`` from the source's schema into the target's, one statement
per table in foreign-key order, all in the caller's one transaction (both schemas on the same server).

Ids: every copied row of a table with a BIGINT ``id`` gets ``id + offset``; the offsets are claimed from the
target's own sequences (``claim_offsets``), so the target stays live while the copy runs: its concurrent inserts
draw ids above the claimed block, never inside it. A row the policy matches to a target row (``policy.match``)
is that row: pointers to it go through a temporary map ``merge_map_<table>`` (source id -> target id)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from motcua_tenants.merges.layout import TableLayout, by_name, tables
from motcua_tenants.merges.policy import STORAGE_KEYS

GAP = 1000  # ids left free between the target's last id and the copied block: concurrent inserts land there


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Merge:
    source_slug: str
    source: str  # schema
    target: str  # schema
    on: dt.date
    source_root: int
    target_root: int
    target_slug: str = ""
    offsets: dict[str, int] = field(default_factory=dict)

    @property
    def closed_on(self) -> dt.date:
        return self.on - dt.timedelta(days=1)

    def src(self, table: str) -> str:
        return f"{quote(self.source)}.{quote(table)}"

    def tgt(self, table: str) -> str:
        return f"{quote(self.target)}.{quote(table)}"

    @property
    def key_prefix(self) -> str:
        return f"merged/{self.source_slug}/"


def copied(table: TableLayout) -> bool:
    return table.policy.kind in ("append", "match")


def mapped(table: TableLayout) -> bool:
    return table.policy.kind == "match" and table.has_id


def keys_equal(table: TableLayout, left: str, right: str) -> str:
    return " AND ".join(f"{k.format(r=left)} = {k.format(r=right)}" for k in table.policy.key)


# -- maps of matched rows ----------------------------------------------------------------------------------
def build_maps(conn: Connection, merge: Merge) -> dict[str, int]:
    """One temporary map per matched table (dropped at commit); how many source rows each matched."""
    matched = {}
    for table in tables():
        if not mapped(table):
            continue
        where = table.policy.match_where
        both = f" AND {where.format(r='s')}" if where else ""
        target_where = f" AND {where.format(r='t')}" if where else ""
        name = quote(f"merge_map_{table.name}")
        conn.execute(
            text(
                f"CREATE TEMPORARY TABLE {name} (source_id bigint PRIMARY KEY, target_id bigint NOT NULL) "
                "ON COMMIT DROP"
            )
        )
        # the target row with the smallest id, should the key not be unique in the target (a person's two
        # accounts): the plan reports those
        result = conn.execute(
            text(
                f"INSERT INTO {name} SELECT s.id, m.id FROM {merge.src(table.name)} s "
                f"CROSS JOIN LATERAL (SELECT min(t.id) AS id FROM {merge.tgt(table.name)} t "
                f"WHERE {keys_equal(table, 't', 's')}{target_where}) m WHERE m.id IS NOT NULL{both}"
            )
        )
        matched[table.name] = result.rowcount
    return matched


# -- offsets -----------------------------------------------------------------------------------------------
def sequence_of(conn: Connection, schema: str, table: str) -> str | None:
    return conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{quote(schema)}.{quote(table)}"})


def claim_offsets(conn: Connection, merge: Merge) -> None:
    """For each table whose rows get new ids, the offset that puts the source's ids in a block of the target's
    own sequence: ``nextval`` (atomic) says where the target is, ``setval`` moves the sequence past the block at
    once (sequences are not transactional: concurrent writers of the target see it immediately and draw above
    the block; the ``GAP`` absorbs whatever they drew between the two calls). A rolled-back merge leaves only
    a gap in the ids."""
    for table in tables():
        if not (copied(table) and table.has_id):
            continue
        low, high = conn.execute(text(f"SELECT min(id), max(id) FROM {merge.src(table.name)}")).one()
        if low is None:
            merge.offsets[table.name] = 0
            continue
        sequence = sequence_of(conn, merge.target, table.name)
        top = conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {merge.tgt(table.name)}"))
        if sequence is None:  # no sequence to claim from: the table is locked for the copy instead
            conn.execute(text(f"LOCK TABLE {merge.tgt(table.name)} IN SHARE ROW EXCLUSIVE MODE"))
            top = conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {merge.tgt(table.name)}"))
            merge.offsets[table.name] = top + 1 - low
            continue
        drawn = conn.scalar(text("SELECT nextval(CAST(:s AS regclass))"), {"s": sequence})
        offset = max(drawn, top) + GAP - low
        conn.execute(text("SELECT setval(CAST(:s AS regclass), :v, true)"), {"s": sequence, "v": offset + high})
        merge.offsets[table.name] = offset


# -- the statements ----------------------------------------------------------------------------------------
def ref(merge: Merge, table: str, expr: str) -> str:
    """The target id of source id ``expr`` of ``table``."""
    layout = by_name()[table]
    if not copied(layout):
        raise RuntimeError(f"a copied row points at {table}, which a merge does not copy")
    shifted = f"({expr} + {int(merge.offsets[table])})"
    if mapped(layout):
        return (
            f"COALESCE((SELECT m.target_id FROM {quote('merge_map_' + table)} m WHERE m.source_id = {expr}), {shifted})"
        )
    return shifted


def text_ids(merge: Merge, column: str, prefixes: dict[str, str], resolve=None) -> str:
    """``s.column`` with the id of each ``<prefix>:<id>[:…]`` rewritten by ``resolve(table, id_expr)`` (by default
    ``ref``: the id the row gets in the target)."""
    resolve = resolve or (lambda table, expr: ref(merge, table, expr))
    value = f"s.{quote(column)}"
    cases = []
    for prefix, table in prefixes.items():
        number = f"split_part({value}, ':', 2)"
        cases.append(
            f"WHEN {value} ~ '^{prefix}:[0-9]+(:|$)' THEN '{prefix}:' || {resolve(table, number + '::bigint')}::text"
            f" || substr({value}, length('{prefix}:' || {number}) + 1)"
        )
    return f"CASE {' '.join(cases)} ELSE {value} END"


def _json_ids(merge: Merge, column: str, keys: dict[str, str]) -> str:
    """``s.column`` with the number under each of ``keys`` rewritten like a foreign key (other values kept)."""
    value = f"s.{quote(column)}"
    pairs = ", ".join(
        f"'{key}', CASE WHEN jsonb_typeof({value} -> '{key}') = 'number' "
        f"THEN to_jsonb({ref(merge, table, f'({value} ->> {chr(39)}{key}{chr(39)})::bigint')}) END"
        for key, table in keys.items()
    )
    # the keys not there (or not numbers) come out null and are stripped: ``||`` replaces only the others
    return f"{value} || jsonb_strip_nulls(jsonb_build_object({pairs}))"


def matched_id(merge: Merge, table: str, expr: str) -> str:
    """Before any offset is claimed (the plan): the target id a source row of a matched table is, else NULL. Rows
    appended get ids in a block of their own, so only a matched row's id can meet one of the target's."""
    layout = by_name()[table]
    if not mapped(layout):
        return "NULL"
    where = layout.policy.match_where
    both = f" AND {where.format(r='m_s')} AND {where.format(r='m_t')}" if where else ""
    return (
        f"(SELECT min(m_t.id) FROM {merge.src(table)} m_s JOIN {merge.tgt(table)} m_t "
        f"ON {keys_equal(layout, 'm_t', 'm_s')} WHERE m_s.id = {expr}{both})"
    )


def _special(merge: Merge, table: str, column: str) -> str | None:
    """Columns whose copied value is not the source's value (nor a remapped id)."""
    if table == "units" and column == "parent_id":
        # the source's root and its direct children sit under the target's root (the plan checked the kinds)
        return (
            f"CASE WHEN s.parent_id IS NULL OR s.parent_id = {merge.source_root} THEN {merge.target_root} "
            f"ELSE {ref(merge, 'units', 's.parent_id')} END"
        )
    if table == "units" and column == "valid_to":
        closed = f"DATE '{merge.closed_on.isoformat()}'"
        closing = f"LEAST(COALESCE(s.valid_to, {closed}), {closed})"
        return f"CASE WHEN s.id = {merge.source_root} THEN {closing} ELSE s.valid_to END"
    if table == "statistics_targets" and column == "unit_id":
        # a goal for the whole source province (no unit) is the goal of its former root, now a unit of the
        # target: the target's own province-wide goal of the same year and metric stays the province's
        root = f"({merge.source_root} + {int(merge.offsets['units'])})"
        return f"COALESCE({ref(merge, 'units', 's.unit_id')}, {root})"
    if table == "citizen_accounts" and column in ("email", "phone"):
        # a login another person holds in the target stays theirs: the copied account loses it (reported)
        same = "lower(t.email) = lower(s.email)" if column == "email" else "t.phone = s.phone"
        return f"CASE WHEN EXISTS (SELECT 1 FROM {merge.tgt(table)} t WHERE {same}) THEN NULL ELSE s.{column} END"
    if table == "procedures" and column in ("status", "retired_at"):
        # another version of the code holds the status in the target (its catalogue wins): the copy, kept for
        # the source's dossiers, is retired
        clash = (
            f"s.status IN ('published', 'draft') AND EXISTS (SELECT 1 FROM {merge.tgt(table)} t "
            "WHERE t.code = s.code AND t.status = s.status)"
        )
        if column == "status":
            return f"CASE WHEN {clash} THEN 'retired' ELSE s.status END"
        return f"CASE WHEN {clash} THEN COALESCE(s.retired_at, now()) ELSE s.retired_at END"
    if STORAGE_KEYS.get(table) == column:
        return f"'{merge.key_prefix}' || s.{quote(column)}"
    return None


def insert_statement(merge: Merge, table: TableLayout) -> str:
    values = []
    for column in table.columns:
        special = _special(merge, table.name, column)
        if special is not None:
            values.append(special)
        elif column == "id" and table.has_id:
            values.append(f"s.id + {int(merge.offsets[table.name])}")
        elif column in table.refs and not copied(by_name()[table.refs[column]]):
            # a pointer at rows a merge does not copy: only rows where it is empty are copied (the policy's
            # ``where`` says so, or this refuses)
            if f"{{r}}.{column} IS NULL" not in (table.policy.where or ""):
                raise RuntimeError(f"{table.name}.{column} points at {table.refs[column]}, which is not copied")
            values.append("NULL")
        elif column in table.refs:
            values.append(ref(merge, table.refs[column], f"s.{quote(column)}"))
        elif column in table.policy.text_ids:
            values.append(text_ids(merge, column, table.policy.text_ids[column]))
        elif column in table.policy.json_ids:
            values.append(_json_ids(merge, column, table.policy.json_ids[column]))
        else:
            values.append(f"s.{quote(column)}")
    conditions = []
    if table.policy.where:
        conditions.append(table.policy.where.format(r="s"))
    if mapped(table):
        conditions.append(f"NOT EXISTS (SELECT 1 FROM {quote('merge_map_' + table.name)} m WHERE m.source_id = s.id)")
    elif table.policy.kind == "match":
        conditions.append(f"NOT EXISTS (SELECT 1 FROM {merge.tgt(table.name)} t WHERE {keys_equal(table, 't', 's')})")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    clash = " ON CONFLICT DO NOTHING" if table.policy.keep_target_on_clash else ""
    columns = ", ".join(quote(c) for c in table.columns)
    return (
        f"INSERT INTO {merge.tgt(table.name)} ({columns}) SELECT {', '.join(values)} "
        f"FROM {merge.src(table.name)} s{where} ORDER BY 1{clash}"
    )


def copy_rows(conn: Connection, merge: Merge, on_table=None) -> dict[str, int]:
    """Every copied table's rows; how many each got."""
    counts = {}
    for table in tables():
        if copied(table):
            counts[table.name] = conn.execute(text(insert_statement(merge, table))).rowcount
            if on_table:
                on_table(table.name)
    return counts


def reset_sequences(conn: Connection, merge: Merge) -> None:
    """Each sequence at least at its table's largest id (the claimed blocks already are; this covers a table
    locked instead)."""
    for table in tables():
        if copied(table) and table.has_id and (sequence := sequence_of(conn, merge.target, table.name)):
            conn.execute(
                text(
                    "SELECT setval(CAST(:s AS regclass), greatest((SELECT max(id) FROM "
                    f"{merge.tgt(table.name)}), (SELECT last_value FROM {sequence})), true)"
                ),
                {"s": sequence},
            )
