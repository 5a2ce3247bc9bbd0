"""The dry run: every conflict and every count of a merge, read from both schemas without writing anything.
A real run computes the same plan first (in its own transaction, with the source fenced) and refuses on a
blocking conflict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from motcua_platform import signals
from sqlalchemy import Connection, text

from motcua_tenants.merges.copy import Merge, copied, keys_equal, matched_id, quote, text_ids
from motcua_tenants.merges.layout import TableLayout, by_name, tables
from motcua_tenants.migrations.runner import tenant_heads

LISTED = 50  # conflicts of one kind listed one by one; the rest are counted


@dataclass
class Conflict:
    kind: str
    blocking: bool
    source: str
    target: str
    outcome: str


@dataclass
class TableCount:
    table: str
    policy: str
    source_rows: int
    matched: int = 0  # rows that are the target's (match) or left out for the target's (keep_target_on_clash)
    note: str = ""


@dataclass
class Plan:
    source: str
    target: str
    on: str
    conflicts: list[Conflict] = field(default_factory=list)
    tables: list[TableCount] = field(default_factory=list)
    already_merged: bool = False

    @property
    def blocking(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.blocking]

    def add(self, kind: str, source: str, target: str, outcome: str, *, blocking: bool) -> None:
        if sum(1 for c in self.conflicts if c.kind == kind) < LISTED:
            self.conflicts.append(Conflict(kind, blocking, source, target, outcome))
        elif sum(1 for c in self.conflicts if c.kind == kind) == LISTED:
            self.conflicts.append(Conflict(kind, blocking, "…", "…", "more of the same kind not listed"))

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "target": self.target,
            "on": self.on,
            "already_merged": self.already_merged,
            "blocking": len(self.blocking),
            "conflicts": [asdict(c) for c in self.conflicts],
            "tables": [asdict(t) for t in self.tables],
        }


def _rows(conn: Connection, sql: str, **params) -> list:
    return conn.execute(text(sql), params).all()


def make_plan(conn: Connection, merge: Merge, *, source_plugins: set[str], target_plugins: set[str]) -> Plan:
    plan = Plan(merge.source_slug, merge.target_slug or merge.target, merge.on.isoformat())
    _schemas(conn, merge, plan)
    if plan.blocking:
        return plan
    plan.already_merged = bool(
        conn.scalar(
            text(f"SELECT count(*) FROM {merge.tgt('tenant_merges')} WHERE source_slug = :s"),
            {"s": merge.source_slug},
        )
    )
    for plugin in sorted(source_plugins - target_plugins):
        plan.add(
            "plugin", plugin, "not enabled", "enable it in the target first (motcua tenants plugins)", blocking=True
        )
    _units(conn, merge, plan)
    _unique_clashes(conn, merge, plan)
    _citizens(conn, merge, plan)
    _procedures(conn, merge, plan)
    _staff(conn, merge, plan)
    _root_roles(conn, merge, plan)
    _calendar(conn, merge, plan)
    _counts(conn, merge, plan)
    return plan


def _schemas(conn: Connection, merge: Merge, plan: Plan) -> None:
    heads = set(tenant_heads())
    for schema in (merge.source, merge.target):
        found = set(conn.scalars(text(f"SELECT version_num FROM {quote(schema)}.alembic_version")))
        if found != heads:
            plan.add("revision", schema, ", ".join(sorted(found)), "run `motcua db upgrade` first", blocking=True)
    present = set(
        conn.scalars(
            text("SELECT relname FROM pg_class WHERE relnamespace = CAST(:s AS regnamespace) AND relkind = 'r'"),
            {"s": merge.source},
        )
    )
    for name in sorted(present - set(by_name()) - {"alembic_version"}):
        plan.add("table", name, "-", "a table the code does not know (a plugin not loaded here?)", blocking=True)


def _units(conn: Connection, merge: Merge, plan: Plan) -> None:
    for code, source_id, target_id in _rows(
        conn,
        f"SELECT s.code, s.id, t.id FROM {merge.src('units')} s JOIN {merge.tgt('units')} t ON t.code = s.code",
    ):
        plan.add(
            "unit_code",
            f"unit {source_id} {code}",
            f"unit {target_id} {code}",
            "unit codes are national identifiers: the merge refuses",
            blocking=True,
        )
    # the shape of the tree is the one-stop domain's rule (PARENT_KINDS): it checks it on this signal
    for _receiver, found in signals.tenant_merge_planned.send(
        conn,
        source_schema=merge.source,
        target_schema=merge.target,
        source_root=merge.source_root,
        target_root=merge.target_root,
    ):
        for conflict in found or []:
            plan.add(
                conflict["kind"],
                conflict["source"],
                conflict["target"],
                conflict["outcome"],
                blocking=conflict["blocking"],
            )
    valid_from = conn.scalar(
        text(f"SELECT valid_from FROM {merge.src('units')} WHERE id = :i"),
        {"i": merge.source_root},
    )
    if valid_from > merge.closed_on:
        plan.add(
            "unit_dates",
            f"root {merge.source_root} valid from {valid_from}",
            "-",
            f"the source's root cannot close on {merge.closed_on}",
            blocking=True,
        )


def _remapped(table: TableLayout, column: str) -> bool:
    return column == "id" or column in table.refs or column in table.policy.text_ids


def _unique_clashes(conn: Connection, merge: Merge, plan: Plan) -> None:
    """Unique keys of copied tables made only of columns copied as they are (dossier codes, feedback codes,
    payment references, outbox keys…): a value in both schemas is a conflict, blocking unless the table keeps
    the target's row."""
    for table in tables():
        if table.policy.kind != "append" or table.name == "units":
            continue
        for key in table.unique:
            if any(_remapped(table, c) and c not in table.policy.text_ids for c in key):
                continue
            # a text column naming ids (an outbox key ``dossier:<id>:…``) is compared as the copy rewrites it:
            # appended rows' ids land in a block of their own, only a matched row's id (a person's account) can
            # meet a key of the target's
            values = {
                c: text_ids(merge, c, table.policy.text_ids[c], lambda t, e: matched_id(merge, t, e))
                if c in table.policy.text_ids
                else f"s.{quote(c)}"
                for c in key
            }
            on = " AND ".join(f"t.{quote(c)} = {values[c]}" for c in key)
            where = f" WHERE {table.policy.where.format(r='s')}" if table.policy.where else ""
            for row in _rows(
                conn,
                f"SELECT {', '.join(values[c] for c in key)} FROM {merge.src(table.name)} s "
                f"JOIN {merge.tgt(table.name)} t ON {on}{where} LIMIT {LISTED + 1}",
            ):
                value = ", ".join(f"{c}={v}" for c, v in zip(key, row, strict=True))
                if table.policy.keep_target_on_clash:
                    plan.add(
                        f"{table.name}_kept",
                        value,
                        value,
                        "the target's row is kept, the source's left out",
                        blocking=False,
                    )
                else:
                    plan.add(
                        f"{table.name}_{'_'.join(key)}",
                        value,
                        value,
                        "the same key in both: the merge refuses",
                        blocking=True,
                    )


def _left_out(conn: Connection, merge: Merge, table: TableLayout, plan: Plan) -> int:
    """How many source rows a ``keep_target_on_clash`` table leaves out: those equal to a target row on any of
    its unique keys of columns copied as they are, partial indexes included (both rows inside the index's
    predicate; NULLs compared as equal, which only makes the count err on the side of more). An edited FAQ entry
    left out is listed one by one: someone wrote it, and it is lost to the target."""
    keys = [(key, None) for key in table.unique] + list(table.partial_unique)
    tests = []
    for key, predicate in keys:
        if any(_remapped(table, c) for c in key):
            continue
        where = f" WHERE {predicate}" if predicate else ""
        same = " AND ".join(f"t.{quote(c)} IS NOT DISTINCT FROM s.{quote(c)}" for c in key)
        inside = f" AND ({predicate.replace(chr(10), ' ')})" if predicate else ""
        tests.append(f"(EXISTS (SELECT 1 FROM (SELECT * FROM {merge.tgt(table.name)}{where}) t WHERE {same}){inside})")
    if not tests:
        return 0
    condition = " OR ".join(tests)
    if table.policy.where:
        condition = f"({condition}) AND {table.policy.where.format(r='s')}"
    source = f"(SELECT * FROM {merge.src(table.name)}) s"
    if table.name == "faq_entries":
        for sid, code, topic, question in _rows(
            conn, f"SELECT s.id, s.procedure_code, s.topic, s.question FROM {source} WHERE s.edited AND ({condition}) "
            "ORDER BY s.id",
        ):  # fmt: skip
            plan.add(
                "faq_edited_left_out",
                f"faq {sid} {code or '-'} {topic}: {question[:80]}",
                "the target's entry of the same procedure and topic",
                "an edited entry of the source is left out (the target's is kept): copy its text by hand if wanted",
                blocking=False,
            )
    return conn.scalar(text(f"SELECT count(*) FROM {source} WHERE {condition}"))


def _citizens(conn: Connection, merge: Merge, plan: Plan) -> None:
    src, tgt = merge.src("citizen_accounts"), merge.tgt("citizen_accounts")
    for sid, tid, national_id, s_name, t_name, s_email, t_email, s_phone, t_phone in _rows(
        conn,
        f"SELECT s.id, t.id, s.national_id, s.full_name, t.full_name, s.email, t.email, s.phone, t.phone "
        f"FROM {src} s JOIN LATERAL (SELECT * FROM {tgt} t WHERE t.national_id = s.national_id AND t.kind = 'citizen' "
        "ORDER BY t.id LIMIT 1) t ON true WHERE s.kind = 'citizen' AND (s.full_name, coalesce(lower(s.email), ''), "
        "coalesce(s.phone, '')) IS DISTINCT FROM (t.full_name, coalesce(lower(t.email), ''), coalesce(t.phone, '')) "
        "ORDER BY s.id",
    ):
        plan.add(
            "citizen_details",
            f"citizen {sid} {national_id}: {s_name} {s_email or '-'} {s_phone or '-'}",
            f"citizen {tid}: {t_name} {t_email or '-'} {t_phone or '-'}",
            "one person: the target's account, with the target's details, takes the source's dossiers",
            blocking=False,
        )
    for national_id, accounts in _rows(
        conn,
        f"SELECT national_id, array_agg(id ORDER BY id) FROM {tgt} WHERE kind = 'citizen' "
        f"AND national_id IN (SELECT national_id FROM {src} WHERE kind = 'citizen') "
        "GROUP BY national_id HAVING count(*) > 1",
    ):
        plan.add(
            "citizen_accounts_in_target",
            national_id,
            f"citizens {accounts}",
            f"the source's account maps onto citizen {accounts[0]}",
            blocking=False,
        )
    unmatched = (
        f"NOT (s.kind = 'citizen' AND EXISTS (SELECT 1 FROM {tgt} m WHERE m.kind = 'citizen' "
        "AND m.national_id = s.national_id))"
    )
    for sid, email, phone, verified, email_taken, phone_taken in _rows(
        conn,
        f"SELECT s.id, s.email, s.phone, s.identity_verified_at IS NOT NULL, "
        f"EXISTS (SELECT 1 FROM {tgt} t WHERE lower(t.email) = lower(s.email)), "
        f"EXISTS (SELECT 1 FROM {tgt} t WHERE t.phone = s.phone) FROM {src} s WHERE {unmatched} ORDER BY s.id",
    ):
        if not (email_taken or phone_taken):
            continue
        left = (email and not email_taken) or (phone and not phone_taken) or verified
        taken = " and ".join(v for v, t in ((email, email_taken), (phone, phone_taken)) if t)
        plan.add(
            "citizen_login",
            f"citizen {sid} {taken}",
            "another person's account in the target",
            "the copied account loses the login the target's holds"
            if left
            else "the copied account would have no login left: the merge refuses",
            blocking=not left,
        )


def _procedures(conn: Connection, merge: Merge, plan: Plan) -> None:
    src, tgt = merge.src("procedures"), merge.tgt("procedures")
    compared = (
        "name_vi",
        "fees",
        "documents",
        "workflow",
        "time_limit_value",
        "time_limit_unit",
        "overridden",
        "status",
    )
    differs = " OR ".join(f"s.{c} IS DISTINCT FROM t.{c}" for c in compared)
    for sid, tid, code, version, s_over, t_over in _rows(
        conn,
        f"SELECT s.id, t.id, s.code, s.version, s.overridden, t.overridden FROM {src} s "
        f"JOIN {tgt} t ON t.code = s.code AND t.version = s.version WHERE {differs} ORDER BY s.id",
    ):
        plan.add(
            "procedure_override",
            f"procedure {sid} {code} v{version} (overridden: {s_over or []})",
            f"procedure {tid} (overridden: {t_over or []})",
            "the target's catalogue wins: the source's dossiers point at the target's row",
            blocking=False,
        )
    for sid, code, version, status in _rows(
        conn,
        f"SELECT s.id, s.code, s.version, s.status FROM {src} s WHERE s.status IN ('published', 'draft') "
        f"AND NOT EXISTS (SELECT 1 FROM {tgt} t WHERE t.code = s.code AND t.version = s.version) "
        f"AND EXISTS (SELECT 1 FROM {tgt} t WHERE t.code = s.code AND t.status = s.status) ORDER BY s.id",
    ):
        plan.add(
            "procedure_version",
            f"procedure {sid} {code} v{version} {status}",
            f"{code}: another version {status}",
            "copied as retired, for the source's dossiers",
            blocking=False,
        )


def _staff(conn: Connection, merge: Merge, plan: Plan) -> None:
    for sid, tid, email, s_name, t_name in _rows(
        conn,
        f"SELECT s.id, t.id, s.email, s.full_name, t.full_name FROM {merge.src('staff_accounts')} s "
        f"JOIN {merge.tgt('staff_accounts')} t ON lower(t.email) = lower(s.email) "
        "WHERE s.full_name IS DISTINCT FROM t.full_name ORDER BY s.id",
    ):
        plan.add(
            "staff_details",
            f"staff {sid} {email}: {s_name}",
            f"staff {tid}: {t_name}",
            "one login: the target's account keeps its details and gets the source's roles",
            blocking=False,
        )


def _root_roles(conn: Connection, merge: Merge, plan: Plan) -> None:
    """Roles on the source's root unit: a role covers its unit's subtree, and the root closes the day before the
    merge with its children moved under the target's root, so such a role covers nothing open afterwards. Not
    widened to the target's root (the source's provincial admins must not become the whole target's): listed,
    for the target's admin to give those people roles on the units they now serve."""
    for staff_id, email, role, code in _rows(
        conn,
        f"SELECT s.id, s.email, r.role, u.code FROM {merge.src('staff_roles')} r "
        f"JOIN {merge.src('staff_accounts')} s ON s.id = r.staff_id JOIN {merge.src('units')} u ON u.id = r.unit_id "
        "WHERE r.unit_id = :root ORDER BY s.email, r.role",
        root=merge.source_root,
    ):
        plan.add(
            "root_role",
            f"staff {staff_id} {email}: {role} on the source's root {code}",
            "-",
            f"the root closes on {merge.closed_on}: the role covers no open unit afterwards; the target's admin "
            "assigns this person roles on the units they serve",
            blocking=False,
        )


def _calendar(conn: Connection, merge: Merge, plan: Plan) -> None:
    for day, s_kind, t_kind, s_name, t_name in _rows(
        conn,
        f"SELECT s.date, s.kind, t.kind, s.name, t.name FROM {merge.src('calendar_days')} s "
        f"JOIN {merge.tgt('calendar_days')} t ON t.date = s.date "
        "WHERE (s.kind, s.name) IS DISTINCT FROM (t.kind, t.name) ORDER BY s.date",
    ):
        plan.add(
            "calendar_day",
            f"{day}: {s_kind} {s_name}",
            f"{day}: {t_kind} {t_name}",
            "the target's day stays",
            blocking=False,
        )


def _counts(conn: Connection, merge: Merge, plan: Plan) -> None:
    for table in tables():
        rows = conn.scalar(text(f"SELECT count(*) FROM {merge.src(table.name)}"))
        count = TableCount(table.name, table.policy.kind, rows, note=table.policy.reason)
        if table.policy.kind == "match":
            both = (
                f" AND {table.policy.match_where.format(r='s')} AND {table.policy.match_where.format(r='t')}"
                if (table.policy.match_where)
                else ""
            )
            count.matched = conn.scalar(
                text(
                    f"SELECT count(*) FROM {merge.src(table.name)} s WHERE EXISTS (SELECT 1 FROM "
                    f"{merge.tgt(table.name)} t WHERE {keys_equal(table, 't', 's')}{both})"
                )
            )
        elif table.policy.keep_target_on_clash:
            count.matched = _left_out(conn, merge, table, plan)
            count.note = f"{count.matched} left out for the target's rows of the same unique key"
        elif copied(table) and table.policy.where:
            kept = conn.scalar(
                text(f"SELECT count(*) FROM {merge.src(table.name)} s WHERE {table.policy.where.format(r='s')}")
            )
            count.note = f"{rows - kept} left out ({table.policy.where.format(r='row')} is false)"
        plan.tables.append(count)
