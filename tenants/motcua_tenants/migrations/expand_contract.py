"""The expand/contract rule, checked on every migration script newer than a recorded baseline (ADR 0051).

Tenants are on mixed revisions during a rollout and old code runs beside new (docs/operations/migrations.md),
so a new revision may only expand. It is read statically, with ``ast``, before anything runs: the calls of its
``upgrade()`` (and of the module's functions it calls) to ``alembic.op`` under whatever name it is imported,
and the SQL of every ``.execute`` / ``.exec_driver_sql`` / ``.scalar(s)`` call, on ``op`` or on any connection
(string literals, module constants and f-strings, their holes read as a name or a value). Refused:

* **contract** operations, unless the module says ``phase = "contract"`` and names, in ``unused_since``, the
  release whose code stopped using the old shape: dropping a table, column or constraint, renaming a table
  or column, changing a column's type, making an existing column ``NOT NULL`` (old code's inserts leave it
  out), adding a ``NOT NULL`` column with no server default;
* **locking** operations in the tenant environment, whatever the phase: an index built in the transaction
  on a table the revision did not create (``migration_steps.create_index`` builds it concurrently);
  ``CONCURRENTLY`` or ``autocommit_block()`` written by hand inside the transaction;
* in the tenant environment, an operation that cannot run twice before a ``migration_steps`` step or inside
  ``outside_transaction()``: it is committed when the step starts, and a re-run after a failed step does it
  again;
* what the check cannot read: SQL that is not written out, a hole of an f-string that could change what the
  statement does, a call into a function imported from another module (other than ``migration_steps``'s
  and SQLAlchemy's expression builders).

Downgrades are not read: undoing an expand step is a contract by nature, and runs only by hand.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import Literal

from alembic.script import ScriptDirectory

Environment = Literal["control", "tenant"]

# The heads when the rule came in (ADR 0051): these revisions and everything below them are not read again.
BASELINE: dict[Environment, tuple[str, ...]] = {
    "control": ("d7a3f1c9e5b2",),
    "tenant": ("c5e2a8d4f6b1", "cs0001"),
}
CONTRACT = "contract"
CONTRACT_ONLY = '; only in a contract step: phase = "contract", unused_since = "<release whose code stopped using it>"'
RELEASE_RE = re.compile(r"^\d+(\.\d+){0,3}$")
STEPS_MODULE = "motcua_platform.db.migration_steps"
OP_MODULE = "alembic.op"
# Modules a migration may call into: they build values and SQL expressions, and run nothing by themselves
# (what is run goes through an ``execute``, which is read).
PURE_MODULES = ("sqlalchemy", "datetime", "decimal", "json", "uuid", "re", "textwrap", "typing", "collections")
EXECUTES = {"execute", "exec_driver_sql", "scalar", "scalars"}
# called directly, or (getattr) what they return called
UNREADABLE_BUILTINS = {"eval", "exec", "getattr", "__import__", "compile", "globals", "locals", "vars"}
# op calls that change nothing by themselves
OP_READS = {"f", "get_bind", "get_context", "inline_literal", "batch_alter_table", "execute"}
HOLE = "\x00"  # an f-string hole the check cannot read, while the SQL is read
# What an unreadable hole is tried as: if one of these makes the statement refused, the hole is refused.
HOLE_PROBES = (
    "DROP",
    "DROP TABLE",
    "DROP COLUMN",
    "DROP CONSTRAINT",
    "TABLE",
    "VIEW",
    "COLUMN",
    "RENAME",
    "TYPE",
    "SET DATA TYPE",
    "SET NOT NULL",
    "CONCURRENTLY",
    "UNIQUE",
    "INDEX",
    "ADD UNIQUE",
)
SQL_RERUNNABLE = re.compile(
    r"^(SELECT|SHOW|SET|RESET|ANALYZE|COMMENT ON|GRANT|REVOKE|CREATE OR REPLACE|"
    r"CREATE (UNIQUE )?INDEX (CONCURRENTLY )?IF NOT EXISTS|CREATE (UNLOGGED )?TABLE IF NOT EXISTS|"
    r"CREATE (TYPE|SEQUENCE|SCHEMA|EXTENSION|VIEW|MATERIALIZED VIEW) IF NOT EXISTS|DROP \w+( \w+)? (CONCURRENTLY )?IF EXISTS)\b"
    r"|^ALTER TYPE \S+ ADD VALUE IF NOT EXISTS\b|^INSERT\b.*\bON CONFLICT DO NOTHING$"
)
# ALTER TABLE actions that can run twice
SQL_ACTION_RERUNNABLE = re.compile(
    r"^(ADD (COLUMN )?IF NOT EXISTS|DROP (COLUMN |CONSTRAINT )?IF EXISTS|"
    r"ALTER (COLUMN )?\S+ (SET DEFAULT|DROP DEFAULT|SET NOT NULL|DROP NOT NULL|SET STATISTICS)|"
    r"SET \(|RESET \(|ENABLE|DISABLE|VALIDATE CONSTRAINT)\b"
)
SQL_ADD_COLUMN = re.compile(
    r"^ADD (?:COLUMN )?(?:IF NOT EXISTS )?(?!CONSTRAINT\b|UNIQUE\b|PRIMARY\b|CHECK\b|FOREIGN\b)\"?(\w+)\"?"
)
SQL_COLUMN_NOT_NULL = re.compile(r"^ALTER (?:COLUMN )?\"?(\w+)\"? SET NOT NULL\b")

CONTRACT_OPS = {
    "drop_table": "drops a table",
    "drop_column": "drops a column",
    "rename_table": "renames a table",
    "drop_constraint": "drops a constraint",
}
SQL_CONTRACT = [
    (re.compile(r"^DROP (TABLE|VIEW|MATERIALIZED VIEW|TYPE|SEQUENCE|SCHEMA)\b"), "drops a {0}"),
    (re.compile(r"^ALTER (TABLE|VIEW|MATERIALIZED VIEW)\b.*\bRENAME\b"), "renames a {0} or its column"),
    (re.compile(r"^ALTER TABLE\b.*\bDROP CONSTRAINT\b"), "drops a constraint"),
    (
        re.compile(r"^ALTER TABLE\b.*\bDROP (?!CONSTRAINT\b|DEFAULT\b|NOT NULL\b|IDENTITY\b|EXPRESSION\b)"),
        "drops a column",
    ),
    (re.compile(r"^ALTER TABLE\b.*\bALTER (COLUMN )?\S+ (SET DATA )?TYPE\b"), "changes a column's type"),
]
NAME = r'(?:"?\w+"?\.)?"?(\w+)"?'  # an identifier, maybe schema-qualified and quoted: its last part
SQL_CREATE_TABLE = re.compile(rf"^CREATE (?:UNLOGGED )?TABLE (?:IF NOT EXISTS )?{NAME}")
SQL_ALTER_TABLE = re.compile(rf"^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?{NAME}")
SQL_NOT_NULL = re.compile(r"\bNOT NULL\b")
SQL_DEFAULT = re.compile(r"\bDEFAULT\b")
SQL_CREATE_INDEX = re.compile(
    rf"^CREATE (?:UNIQUE )?INDEX (CONCURRENTLY )?(?:IF NOT EXISTS )?(?:{NAME} )?ON (?:ONLY )?{NAME}"
)
SQL_CONCURRENTLY = re.compile(r"\bCONCURRENTLY\b")
# a unique or primary key constraint builds its index in place, unless it adopts one built concurrently
SQL_ADD_UNIQUE = re.compile(r"\bADD (?:CONSTRAINT \S+ )?(?:UNIQUE|PRIMARY KEY)\b(?!.*\bUSING INDEX\b)")
# op calls whose first argument names a constraint or an index, and the second the table
NAME_FIRST = {"drop_constraint", "create_index", "drop_index", "create_unique_constraint", "create_check_constraint"}
CREATES = {"create_check_constraint", "create_unique_constraint", "create_foreign_key", "create_primary_key"}
IN_TRANSACTION = "CONCURRENTLY cannot run inside the migration's transaction: use migration_steps.{0}"
RERUN_BEFORE_STEP = (
    "comes before migration_steps.{0} (line {1}), which commits it when the step starts; "
    "a re-run after a failed step does it again and fails: give the step a revision of its own, "
    "or write this so it can run twice (IF NOT EXISTS, if_not_exists=True)"
)
RERUN_IN_STEP = (
    "runs in autocommit inside migration_steps.outside_transaction(): it is not rolled back, and a re-run "
    "after a failure does it again: write it so it can run twice (IF NOT EXISTS, IF EXISTS)"
)
NOT_NULL_EXISTING = (
    "sets NOT NULL on an existing column: old code's inserts that leave it out fail while tenants migrate "
    "and old code still runs, backfilled or not"
)
NOT_NULL_ADDED = "adds a NOT NULL column with no server default: old code's inserts leave it out"
UNREADABLE_SQL = "SQL the check cannot read: write it as a string literal, a module constant or an f-string"
LOCKING_INDEX = (
    "builds an index on the existing table {0} under a lock that stops its writes: "
    "use migration_steps.create_index (CONCURRENTLY, outside the transaction)"
)


@dataclass(frozen=True)
class Violation:
    path: Path
    line: int
    operation: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: {self.operation}: {self.reason}"


@dataclass
class _Revision:
    """What one ``upgrade()`` has done so far, in source order."""

    path: Path
    environment: Environment
    contract: bool
    constants: dict[str, str]
    functions: dict[str, ast.FunctionDef]
    imported: dict[str, str] = field(default_factory=dict)  # local name -> the dotted name it is bound to
    created: set[str] = field(default_factory=set)
    added: set[tuple[str, str]] = field(default_factory=set)
    defaulted: set[tuple[str, str]] = field(default_factory=set)  # columns added NOT NULL with a server default
    replaced: set[str] = field(default_factory=set)  # constraints the revision creates (again) by name
    batch_tables: dict[str, str] = field(default_factory=dict)
    found: list[Violation] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    # Operations since the last step that cannot run twice: a step that follows commits them.
    pending: list[tuple[ast.AST, str]] = field(default_factory=list)
    in_step: int = 0  # inside ``with migration_steps.outside_transaction()``: autocommit, never rolled back

    def refuse(self, node: ast.AST, operation: str, reason: str, *, contract: bool = False) -> None:
        if contract and self.contract:
            return
        if contract:
            reason += CONTRACT_ONLY
        self.found.append(Violation(self.path, getattr(node, "lineno", 0), operation, reason))

    def probe(self) -> _Revision:
        """A copy to try a reading on, leaving this one as it is."""
        return replace(
            self,
            created=set(self.created),
            added=set(self.added),
            defaulted=set(self.defaulted),
            found=[],
            pending=list(self.pending),
        )

    def once_only(self, node: ast.AST, operation: str) -> None:
        """An operation that fails, or does its work twice, when it runs again."""
        if self.environment != "tenant":
            return  # steps run inline in control's one transaction: nothing before them is committed early
        if self.in_step:
            self.refuse(node, operation, RERUN_IN_STEP)
        else:
            self.pending.append((node, operation))

    def step(self, node: ast.AST, name: str) -> None:
        for earlier, operation in self.pending:
            self.refuse(earlier, operation, RERUN_BEFORE_STEP.format(name, getattr(node, "lineno", 0)))
        self.pending.clear()


# -- which scripts ------------------------------------------------------------------------------
def new_scripts(script: ScriptDirectory, baseline: Iterable[str]) -> list[Path]:
    """The files of the revisions that are neither a baseline revision nor below one."""
    old: set[str] = set()
    stack = [r for r in baseline if _known(script, r)]
    while stack:
        revision = stack.pop()
        if revision in old:
            continue
        old.add(revision)
        down = script.get_revision(revision).down_revision
        stack.extend([down] if isinstance(down, str) else list(down or ()))
    return sorted(Path(r.path) for r in script.walk_revisions() if r.revision not in old)


def _known(script: ScriptDirectory, revision: str) -> bool:
    # A baseline head of a plugin this deployment does not load has nothing to exclude.
    return any(r.revision == revision for r in script.walk_revisions())


def check_new_migrations(baseline: dict[Environment, tuple[str, ...]] | None = None) -> list[Violation]:
    from motcua_tenants.migrations.config import alembic_config

    baseline = BASELINE if baseline is None else baseline
    found: list[Violation] = []
    for environment in ("control", "tenant"):
        script = ScriptDirectory.from_config(alembic_config(environment))
        for path in new_scripts(script, baseline.get(environment, ())):
            found += check_script(path, environment)
    return found


# -- one script ---------------------------------------------------------------------------------
def check_script(path: Path, environment: Environment) -> list[Violation]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    attributes = _module_strings(tree)
    revision = _Revision(
        path=path,
        environment=environment,
        contract=False,
        constants=attributes,
        functions={n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)},
        imported=_imports(tree),
    )
    revision.contract = _contract_marker(tree, attributes, revision)
    upgrade = revision.functions.get("upgrade")
    if upgrade is None:
        revision.refuse(tree, "upgrade()", "the script has no upgrade() function")
        return revision.found
    revision.replaced = _constraints_created(upgrade, revision)
    revision.visited.add("upgrade")
    for statement in upgrade.body:
        _walk(statement, revision)
    return revision.found


def _constraints_created(upgrade: ast.FunctionDef, revision: _Revision) -> set[str]:
    names: set[str] = set()
    bodies = [upgrade, *(f for n, f in revision.functions.items() if n != "upgrade")]
    for node in (n for body in bodies for n in ast.walk(body)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CREATES:
            name = _arg(node, 0, "constraint_name", revision)
            names |= {name} if name else set()
        elif isinstance(node, ast.Call) and (sql := _string(node, revision.constants)) is not None:
            names |= {m.lower() for m in re.findall(r'ADD CONSTRAINT "?(\w+)', sql, flags=re.I)}
    return names


def _module_strings(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(node, ast.AnnAssign):
            target = node.target
        if isinstance(target, ast.Name) and node.value is not None:
            value = _string(node.value, constants)
            if value is not None:
                constants[target.id] = value
    return constants


def _imports(tree: ast.Module) -> dict[str, str]:
    """Each name an import binds, and the dotted name it stands for (``o`` -> ``alembic.op``)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names |= {a.asname or a.name: f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name: f"{'.' * node.level}{node.module or ''}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``
                local = alias.asname or alias.name.split(".")[0]
                names[local] = alias.name if alias.asname else local
    return names


def _contract_marker(tree: ast.Module, attributes: dict[str, str], revision: _Revision) -> bool:
    if attributes.get("phase") != CONTRACT:
        return False
    released = attributes.get("unused_since", "")
    current = version("motcua-cloud")
    if not RELEASE_RE.match(released):
        revision.refuse(
            tree,
            'phase = "contract"',
            "a contract step names the release whose code stopped using the old shape: "
            f'unused_since = "<release>" (this one is {current})',
        )
        return False
    if _release(released) > _release(current):
        revision.refuse(
            tree, f'unused_since = "{released}"', f"names a release after this one ({current}): not released yet"
        )
        return False
    return True


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:4])


def _walk(node: ast.AST, revision: _Revision) -> None:
    """Depth first in source order, a call before its arguments; the body of an ``outside_transaction()``
    block marked as a step's."""
    if isinstance(node, ast.With) and any(_is_step_block(item, revision) for item in node.items):
        for item in node.items:
            _walk(item, revision)
        revision.in_step += 1
        for statement in node.body:
            _walk(statement, revision)
        revision.in_step -= 1
        return
    _visit(node, revision)
    for child in ast.iter_child_nodes(node):
        _walk(child, revision)


def _is_step_block(item: ast.withitem, revision: _Revision) -> bool:
    call = item.context_expr
    return isinstance(call, ast.Call) and _resolve(call.func, revision) == f"{STEPS_MODULE}.outside_transaction"


def _resolve(func: ast.expr, revision: _Revision) -> str | None:
    """The dotted name a called ``a.b.c`` stands for, its first part read through the imports; None if it
    does not start with an imported name."""
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in revision.imported:
        return None
    return ".".join([revision.imported[func.id], *reversed(parts)])


def _visit(node: ast.AST, revision: _Revision) -> None:
    if isinstance(node, ast.withitem):
        _batch_alias(node, revision)
    if not isinstance(node, ast.Call):
        return
    func = node.func
    if isinstance(func, ast.Name) and func.id in revision.functions:
        if func.id not in revision.visited:
            revision.visited.add(func.id)  # a helper of the module: its operations are the upgrade's
            for statement in revision.functions[func.id].body:
                _walk(statement, revision)
        return
    hidden = func.func if isinstance(func, ast.Call) else func  # getattr(op, name)(…)
    if (
        isinstance(hidden, ast.Name)
        and hidden.id in UNREADABLE_BUILTINS
        and (hidden is func) != (hidden.id == "getattr")
    ):
        revision.refuse(node, _written(node), f"{hidden.id}() hides what is called: the check cannot read it")
        return
    target = _resolve(func, revision)
    if target is not None and target.startswith(f"{STEPS_MODULE}."):
        _steps_call(node, target.removeprefix(f"{STEPS_MODULE}."), revision)
    elif target is not None and target.startswith(f"{OP_MODULE}.") and target.count(".") == 2:
        _op_call(node, target.rsplit(".", 1)[1], None, revision)
    elif target is not None and target.split(".")[0] not in PURE_MODULES and target not in (OP_MODULE, STEPS_MODULE):
        revision.refuse(
            node,
            _written(node),
            f"calls {target}, imported from another module: the check cannot read what it does; "
            "write the operations in the migration, or use migration_steps",
        )
    elif (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in revision.batch_tables
    ):
        _op_call(node, func.attr, revision.batch_tables[func.value.id], revision)
    elif isinstance(func, ast.Attribute) and func.attr in EXECUTES and (node.args or node.keywords):
        _execute(node, _owner(func), revision)
    if isinstance(func, ast.Attribute) and func.attr == "autocommit_block":
        revision.refuse(
            node,
            "autocommit_block()",
            "commits without binding the step to the tenant: use migration_steps.outside_transaction()",
        )


def _owner(func: ast.Attribute) -> str:
    return f"{_short(ast.unparse(func.value), 30)}.{func.attr}"


def _batch_alias(item: ast.withitem, revision: _Revision) -> None:
    call = item.context_expr
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "batch_alter_table"
        and isinstance(item.optional_vars, ast.Name)
    ):
        table = _arg(call, 0, "table_name", revision)
        if table is not None:
            revision.batch_tables[item.optional_vars.id] = table


def _arg(call: ast.Call, position: int, keyword: str, revision: _Revision) -> str | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return _string(kw.value, revision.constants)
    if len(call.args) > position:
        return _string(call.args[position], revision.constants)
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _steps_call(node: ast.Call, name: str, revision: _Revision) -> None:
    if name in ("create_index", "drop_index", "backfill", "outside_transaction"):
        revision.step(node, name)


def _op_call(node: ast.Call, name: str, batch_table: str | None, revision: _Revision) -> None:
    if name == "execute":
        _execute(node, "op.execute", revision)
        return
    if name not in OP_READS and not _rerunnable_op(node):
        revision.once_only(node, _written(node))
    table = _table(node, name, batch_table, revision)
    # In a batch the table is the batch's: the arguments after it move one place left.
    column_at = 0 if batch_table is not None else 1
    fresh = table in revision.created
    if name == "create_table" and table:
        revision.created.add(table)
    elif name == "add_column" and table:
        column = node.args[column_at] if len(node.args) > column_at else _keyword(node, "column")
        if (
            isinstance(column, ast.Call)
            and column.args
            and (column_name := _string(column.args[0], revision.constants))
        ):
            revision.added.add((table, column_name))
            if _is_false(_keyword(column, "nullable")) and not fresh:
                if _is_none(_keyword(column, "server_default")):
                    revision.refuse(node, _written(node), NOT_NULL_ADDED, contract=True)
                else:
                    revision.defaulted.add((table, column_name))
    elif name in CONTRACT_OPS and not fresh:
        if name == "drop_column" and (table, _arg(node, column_at, "column_name", revision)) in revision.added:
            return
        constraint = _arg(node, 0, "constraint_name", revision) if name == "drop_constraint" else None
        if constraint is not None and constraint in revision.replaced:
            return  # dropped and created again under its name in this revision: widened, as old code writes
        revision.refuse(node, _written(node), CONTRACT_OPS[name], contract=True)
    elif name == "alter_column" and not fresh:
        _alter_column(node, table, _arg(node, column_at, "column_name", revision), revision)
    elif name in ("create_index", "create_unique_constraint"):
        _index(node, name, table, revision)


def _rerunnable_op(node: ast.Call) -> bool:
    return any(
        kw.arg in ("if_not_exists", "if_exists") and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in node.keywords
    )


def _is_none(node: ast.expr | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _execute(node: ast.Call, called: str, revision: _Revision) -> None:
    """SQL run through ``op.execute`` or a connection's ``execute`` / ``exec_driver_sql`` / ``scalar(s)``."""
    sql = node.args[0] if node.args else (_keyword(node, "sqltext") or _keyword(node, "statement"))
    text_ = _string(sql, revision.constants, hole=HOLE) if sql is not None else None
    if text_ is None:
        revision.refuse(node, f"{called}(…)", UNREADABLE_SQL)
        return
    if HOLE not in text_:
        _sql(node, called, text_, revision)
        return
    # A hole read as a name or a value; refused if it could be a keyword that changes what the statement does.
    allowed = {v.reason for v in _tried(node, called, text_.replace(HOLE, "x"), revision).found}
    parts = text_.split(HOLE)
    for index in range(1, len(parts)):
        for word in HOLE_PROBES:
            holes = ["x"] * (len(parts) - 1)
            holes[index - 1] = word
            filled = parts[0] + "".join(h + p for h, p in zip(holes, parts[1:], strict=True))
            if changed := [v for v in _tried(node, called, filled, revision).found if v.reason not in allowed]:
                revision.refuse(
                    node,
                    f"{called}({_short(text_.replace(HOLE, '{…}'), 60)})",
                    f"SQL the check cannot read: a hole of the f-string could be {word!r} "
                    f"({changed[0].reason.split(';')[0]}); write the statement out, with holes only for names "
                    "and values",
                )
                return
    _sql(node, called, text_.replace(HOLE, "x"), revision)


def _tried(node: ast.Call, called: str, sql: str, revision: _Revision) -> _Revision:
    probe = revision.probe()
    _sql(node, called, sql, probe)
    return probe


def _table(node: ast.Call, name: str, batch_table: str | None, revision: _Revision) -> str | None:
    """The table an ``op`` call is about: its first argument, or its second after a constraint's or an
    index's name; in a batch, the batch's."""
    if batch_table is not None:
        return _plain(batch_table)
    table = _arg(node, 1 if name in NAME_FIRST else 0, "table_name", revision)
    return _plain(table) if table else None


def _alter_column(node: ast.Call, table: str | None, column: str | None, revision: _Revision) -> None:
    shown = _written(node)
    if _keyword(node, "new_column_name") is not None:
        revision.refuse(node, shown, "renames a column", contract=True)
    if _keyword(node, "type_") is not None:
        revision.refuse(node, shown, "changes a column's type", contract=True)
    if _is_false(_keyword(node, "nullable")) and (table, column) not in revision.defaulted:
        revision.refuse(node, shown, NOT_NULL_EXISTING, contract=True)


def _index(node: ast.Call, name: str, table: str | None, revision: _Revision) -> None:
    shown = _written(node)
    concurrently = _keyword(node, "postgresql_concurrently")
    if concurrently is not None and not (isinstance(concurrently, ast.Constant) and concurrently.value is False):
        revision.refuse(node, shown, IN_TRANSACTION.format("create_index"))
    elif revision.environment == "tenant" and table not in revision.created:
        revision.refuse(node, shown, LOCKING_INDEX.format(table))


def _sql(node: ast.Call, called: str, sql: str, revision: _Revision) -> None:
    for statement in _statements(sql):
        shown = f"{called}({_short(statement)})"
        if not _rerunnable_sql(statement):
            revision.once_only(node, shown)
        if match := SQL_CREATE_TABLE.match(statement):
            revision.created.add(match.group(1).lower())
            continue
        if match := SQL_CREATE_INDEX.match(statement):
            table = match.group(3).lower()
            if match.group(1):
                revision.refuse(node, shown, IN_TRANSACTION.format("create_index"))
            elif revision.environment == "tenant" and table not in revision.created:
                revision.refuse(node, shown, LOCKING_INDEX.format(table))
            continue
        if statement.startswith("DROP INDEX") and SQL_CONCURRENTLY.search(statement):
            revision.refuse(node, shown, IN_TRANSACTION.format("drop_index"))
            continue
        altered = SQL_ALTER_TABLE.match(statement)
        table = altered.group(1).lower() if altered else None
        if table is not None and table in revision.created:
            continue
        for pattern, reason in SQL_CONTRACT:
            if match := pattern.search(statement):
                revision.refuse(node, shown, reason.format(*(g.lower() for g in match.groups() if g)), contract=True)
                break
        else:
            if table is not None:
                _sql_columns(node, shown, table, statement[altered.end() :], revision)
        if table is not None and revision.environment == "tenant" and SQL_ADD_UNIQUE.search(statement):
            revision.refuse(node, shown, LOCKING_INDEX.format(table))


def _sql_columns(node: ast.Call, shown: str, table: str, actions: str, revision: _Revision) -> None:
    """NOT NULL in the actions of an ``ALTER TABLE`` of an existing table."""
    for action in _actions(actions):
        if added := SQL_ADD_COLUMN.match(action):
            column = added.group(1).lower()
            revision.added.add((table, column))
            if SQL_NOT_NULL.search(action) and not SQL_DEFAULT.search(action):
                revision.refuse(node, shown, NOT_NULL_ADDED, contract=True)
            elif SQL_NOT_NULL.search(action):
                revision.defaulted.add((table, column))
        elif (tightened := SQL_COLUMN_NOT_NULL.match(action)) and (table, tightened.group(1).lower()) not in (
            revision.defaulted
        ):
            revision.refuse(node, shown, NOT_NULL_EXISTING, contract=True)


def _actions(actions: str) -> list[str]:
    """The comma-separated actions of an ``ALTER TABLE``, commas inside parentheses kept."""
    found, depth, start = [], 0, 0
    for index, char in enumerate(actions):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            found.append(actions[start:index].strip())
            start = index + 1
    return [a for a in [*found, actions[start:].strip()] if a]


def _rerunnable_sql(statement: str) -> bool:
    if SQL_RERUNNABLE.search(statement):
        return True
    altered = SQL_ALTER_TABLE.match(statement)
    return altered is not None and all(
        SQL_ACTION_RERUNNABLE.match(action) for action in _actions(statement[altered.end() :])
    )


def _statements(sql: str) -> list[str]:
    """Upper-cased, comments out, whitespace folded, split on semicolons outside quotes and dollar quotes
    (function bodies are not looked into)."""
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"\$(\w*)\$.*?\$\1\$", " $$ ", sql, flags=re.S)
    sql = re.sub(r"'(?:[^']|'')*'", "''", sql)
    return [" ".join(s.split()).upper() for s in sql.split(";") if s.strip()]


def _written(node: ast.AST) -> str:
    return _short(ast.unparse(node))


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip('"').lower()


def _string(node: ast.expr | None, constants: dict[str, str], *, hole: str = "x") -> str | None:
    """The string an expression stands for, if the check can tell: literals, module constants, ``+`` of
    those, f-strings (a hole it cannot read becomes ``hole``), ``sa.text(...)``, ``op.f(...)``."""
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                inner = value.value
                number = isinstance(inner, ast.Constant) and isinstance(inner.value, int | float)
                parts.append(str(inner.value) if number else _string(inner, constants) or hole)  # type: ignore[union-attr]
            else:
                parts.append(_string(value, constants, hole=hole) or "")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left, constants, hole=hole), _string(node.right, constants, hole=hole)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "bindparams":
            return _string(node.func.value, constants, hole=hole)
        if node.func.attr == "format" and (template := _string(node.func.value, constants, hole=hole)) is not None:
            return re.sub(r"\{[^{}]*\}", lambda _: hole, template)
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in ("text", "f"):
            return _string(node.args[0], constants, hole=hole)
    return None
