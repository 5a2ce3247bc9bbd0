"""The expand/contract rule, checked on every migration script newer than a recorded baseline (ADR 0051).

Tenants are on mixed revisions during a rollout and old code runs beside new (docs/operations/migrations.md),
so a new revision may only expand. It is read statically, with ``ast``, before anything runs: the ``op``
calls of its ``upgrade()`` (and of the module's functions it calls) and the SQL it hands to ``op.execute``
(string literals, module constants and f-strings, their holes read as a placeholder). Refused:

* **contract** operations, unless the module says ``phase = "contract"`` and names, in ``unused_since``, the
  release whose code stopped using the old shape: dropping a table, column or constraint, renaming a table
  or column, changing a column's type, ``SET NOT NULL`` on an existing column with no backfill of its table
  before it in the same revision;
* **locking** operations in the tenant environment, whatever the phase: an index built in the transaction
  on a table the revision did not create (``migration_steps.create_index`` builds it concurrently);
  ``CONCURRENTLY`` or ``autocommit_block()`` written by hand inside the transaction;
* SQL the check cannot read.

Downgrades are not read: undoing an expand step is a contract by nature, and runs only by hand.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
SQL_UPDATE = re.compile(rf"^UPDATE (?:ONLY )?{NAME}")
SQL_ALTER_TABLE = re.compile(rf"^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?{NAME}")
SQL_SET_NOT_NULL = re.compile(r"\bSET NOT NULL\b")
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
    steps_names: set[str]  # local names bound to the migration_steps module
    steps_functions: dict[str, str]  # local name -> migration_steps function imported by name
    created: set[str] = field(default_factory=set)
    added: set[tuple[str, str]] = field(default_factory=set)
    backfilled: set[str] = field(default_factory=set)
    replaced: set[str] = field(default_factory=set)  # constraints the revision creates (again) by name
    batch_tables: dict[str, str] = field(default_factory=dict)
    found: list[Violation] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)

    def refuse(self, node: ast.AST, operation: str, reason: str, *, contract: bool = False) -> None:
        if contract and self.contract:
            return
        if contract:
            reason += CONTRACT_ONLY
        self.found.append(Violation(self.path, getattr(node, "lineno", 0), operation, reason))


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
        steps_names=set(),
        steps_functions={},
    )
    _read_imports(tree, revision)
    revision.contract = _contract_marker(tree, attributes, revision)
    upgrade = revision.functions.get("upgrade")
    if upgrade is None:
        revision.refuse(tree, "upgrade()", "the script has no upgrade() function")
        return revision.found
    revision.replaced = _constraints_created(upgrade, revision)
    revision.visited.add("upgrade")
    for node in _in_order(upgrade.body):
        _visit(node, revision)
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


def _read_imports(tree: ast.Module, revision: _Revision) -> None:
    package, _, module = STEPS_MODULE.rpartition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == package:
            revision.steps_names |= {a.asname or a.name for a in node.names if a.name == module}
        elif isinstance(node, ast.ImportFrom) and node.module == STEPS_MODULE:
            revision.steps_functions |= {a.asname or a.name: a.name for a in node.names}
        elif isinstance(node, ast.Import):
            revision.steps_names |= {a.asname for a in node.names if a.name == STEPS_MODULE and a.asname}


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


def _in_order(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of the statements, depth first in source order (``ast.walk`` goes breadth first)."""
    for statement in statements:
        yield from _depth_first(statement)


def _depth_first(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _depth_first(child)


def _visit(node: ast.AST, revision: _Revision) -> None:
    if isinstance(node, ast.withitem):
        _batch_alias(node, revision)
    if not isinstance(node, ast.Call):
        return
    func = node.func
    if isinstance(func, ast.Name) and func.id in revision.functions and func.id not in revision.visited:
        revision.visited.add(func.id)  # a helper of the module: its operations are the upgrade's
        for inner in _in_order(revision.functions[func.id].body):
            _visit(inner, revision)
        return
    if isinstance(func, ast.Name) and func.id in revision.steps_functions:
        _steps_call(node, revision.steps_functions[func.id], revision)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = func.value.id
        if owner in revision.steps_names:
            _steps_call(node, func.attr, revision)
        elif owner == "op":
            _op_call(node, func.attr, None, revision)
        elif owner in revision.batch_tables:
            _op_call(node, func.attr, revision.batch_tables[owner], revision)
    if isinstance(func, ast.Attribute) and func.attr == "autocommit_block":
        revision.refuse(
            node,
            "autocommit_block()",
            "commits without binding the step to the tenant: use migration_steps.outside_transaction()",
        )


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
    if name == "backfill":
        table = _arg(node, 0, "table", revision)
        if table is not None:
            revision.backfilled.add(_plain(table))


def _op_call(node: ast.Call, name: str, batch_table: str | None, revision: _Revision) -> None:
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
    elif name == "execute":
        sql = node.args[0] if node.args else _keyword(node, "sqltext")
        text_ = _string(sql, revision.constants) if sql is not None else None
        if text_ is None:
            revision.refuse(
                node,
                "op.execute(…)",
                "SQL the check cannot read: write it as a string literal, a module constant or an f-string",
            )
        else:
            _sql(node, text_, revision)


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
    nullable = _keyword(node, "nullable")
    not_null = isinstance(nullable, ast.Constant) and nullable.value is False
    if not_null and (table, column) not in revision.added and table not in revision.backfilled:
        revision.refuse(
            node,
            shown,
            "sets NOT NULL on an existing column with no backfill of its table before it in this revision",
            contract=True,
        )


def _index(node: ast.Call, name: str, table: str | None, revision: _Revision) -> None:
    shown = _written(node)
    concurrently = _keyword(node, "postgresql_concurrently")
    if concurrently is not None and not (isinstance(concurrently, ast.Constant) and concurrently.value is False):
        revision.refuse(node, shown, IN_TRANSACTION.format("create_index"))
    elif revision.environment == "tenant" and table not in revision.created:
        revision.refuse(node, shown, LOCKING_INDEX.format(table))


def _sql(node: ast.Call, sql: str, revision: _Revision) -> None:
    for statement in _statements(sql):
        shown = f"op.execute({_short(statement)})"
        if match := SQL_CREATE_TABLE.match(statement):
            revision.created.add(match.group(1).lower())
            continue
        if match := SQL_UPDATE.match(statement):
            revision.backfilled.add(match.group(1).lower())
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
            if table is not None and SQL_SET_NOT_NULL.search(statement) and table not in revision.backfilled:
                revision.refuse(
                    node,
                    shown,
                    "sets NOT NULL on an existing column with no backfill of its table before it in this revision",
                    contract=True,
                )
        if table is not None and revision.environment == "tenant" and SQL_ADD_UNIQUE.search(statement):
            revision.refuse(node, shown, LOCKING_INDEX.format(table))


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


def _string(node: ast.expr | None, constants: dict[str, str]) -> str | None:
    """The string an expression stands for, if the check can tell: literals, module constants, ``+`` of
    those, f-strings (a hole it cannot read becomes ``x``), ``sa.text(...)``, ``op.f(...)``."""
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
                parts.append(_string(value.value, constants) or "x")
            else:
                parts.append(_string(value, constants) or "")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left, constants), _string(node.right, constants)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "bindparams":
            return _string(node.func.value, constants)
        if node.func.attr == "format" and (template := _string(node.func.value, constants)) is not None:
            return re.sub(r"\{[^{}]*\}", "x", template)
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in ("text", "f"):
            return _string(node.args[0], constants)
    return None
