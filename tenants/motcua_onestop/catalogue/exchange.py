"""Catalogue import and export, in CSV and JSON, with columns named after the national procedure
database's fields (see docs/catalogue.md). Import is all-or-nothing: every row is checked first and a
file with any bad row imports nothing, reporting each problem with its row number and column."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.plugins.definitions import NATIONAL_CODE_RE, UNIT_KINDS, Level, OnlineMode, TimeUnit
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure, ProcedureStatus
from motcua_onestop.catalogue.services import fill_search

COLUMNS = (
    ("ma_thu_tuc", "code"), ("trang_thai", "status"), ("ten_thu_tuc", "name_vi"), ("ten_tieng_anh", "name_en"),
    ("linh_vuc", "field"), ("cap_thuc_hien", "level"), ("co_quan_thuc_hien", "competent_unit_kind"),
    ("thoi_han", "time_limit_value"), ("don_vi_thoi_han", "time_limit_unit"), ("gio_cat", "same_day_cutoff_hour"),
    ("muc_do", "online_mode"), ("muc_do_cu", "legacy_level"), ("phi_le_phi", "fees"),
    ("thanh_phan_ho_so", "documents"), ("ket_qua", "result_document"), ("can_cu_phap_ly", "legal_basis"),
    ("doi_tuong", "applicants"), ("nguon", "plugin"), ("phien_ban", "version"),
)  # fmt: skip
MAX_ROWS = 20_000


# -- export --------------------------------------------------------------------------------------
def export_entries(session: Session, enabled: Iterable[str]) -> list[dict[str, Any]]:
    """Every published procedure visible in the catalogue, as national-database-style records."""
    enabled = list(enabled)
    rows = session.scalars(
        select(Procedure)
        .where(
            Procedure.status == ProcedureStatus.PUBLISHED, Procedure.plugin.is_(None) | Procedure.plugin.in_(enabled)
        )
        .order_by(Procedure.code)
    )
    return [{column: getattr(row, attr) for column, attr in COLUMNS} for row in rows]


def _fees_cell(fees: list[dict]) -> str:
    return "; ".join(f"{f['name']}|{f['amount']}" + (f"|{f['per']}" if f.get("per") else "") for f in fees)


def _documents_cell(documents: list[dict]) -> str:
    return "; ".join(f"{d['name']}|{'chinh' if d['original'] else 'sao'}|{d['count']}" for d in documents)


def to_csv(entries: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[c for c, _ in COLUMNS])
    writer.writeheader()
    for entry in entries:
        writer.writerow(
            {
                **entry,
                "phi_le_phi": _fees_cell(entry["phi_le_phi"]),
                "thanh_phan_ho_so": _documents_cell(entry["thanh_phan_ho_so"]),
                "can_cu_phap_ly": "; ".join(entry["can_cu_phap_ly"]),
                "gio_cat": "" if entry["gio_cat"] is None else entry["gio_cat"],
                "muc_do_cu": "" if entry["muc_do_cu"] is None else entry["muc_do_cu"],
                "nguon": entry["nguon"] or "",
            }
        )
    return buffer.getvalue()


def to_json(entries: list[dict[str, Any]]) -> str:
    return json.dumps({"format": "motcua-catalogue/1", "thu_tuc": entries}, ensure_ascii=False, indent=2)


# -- import --------------------------------------------------------------------------------------
def parse_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"ma_thu_tuc", "ten_thu_tuc"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(
            _("The CSV file has no header with the catalogue columns."),
            {"file": [_("Missing column(s): %(columns)s.", columns=", ".join(sorted(missing)))]},
        )
    records = []
    for record_ in reader:
        if None in record_:
            record_.pop(None)
            record_["_extra_cells"] = True
        records.append({k: (v.strip() if isinstance(v, str) else v) for k, v in record_.items()})
    return records


def parse_json(text: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(_("The file is not valid JSON."), {"file": [str(exc)]}) from None
    entries = document.get("thu_tuc") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidInput(
            _("The JSON file must hold a list of procedures under 'thu_tuc'."),
            {"file": [_('Expected {"thu_tuc": [ {...}, ... ]}.')]},
        )
    return entries


def _split(cell: Any) -> list[str]:
    if isinstance(cell, list):
        return [str(part).strip() for part in cell if str(part).strip()]
    return [part.strip() for part in str(cell or "").split(";") if part.strip()]


def _text(record_: Mapping[str, Any], column: str, problem, *, max_length: int, required: bool = False) -> str | None:
    value = record_.get(column)
    if value is None or value == "":
        if required:
            problem(column, "Required.")
        return None
    if not isinstance(value, str):
        problem(column, "Must be text.")
        return None
    value = value.strip()
    if len(value) > max_length:
        problem(column, f"At most {max_length} characters.")
    return value


def _fees(cell: Any, problem) -> list[dict]:
    if isinstance(cell, list):
        fees = cell
        if not all(isinstance(fee, dict) for fee in fees):
            problem("phi_le_phi", "Each fee must be an object with name and amount.")
            return []
    else:
        fees = []
        for part in _split(cell):
            pieces = [p.strip() for p in part.split("|")]
            if len(pieces) not in (2, 3):
                problem("phi_le_phi", f"'{part}' must look like 'Tên phí|8000' or 'Tên phí|8000|bản'.")
                continue
            fees.append({"name": pieces[0], "amount": pieces[1], "per": pieces[2] if len(pieces) == 3 else None})
    cleaned = []
    for fee in fees:
        raw = fee.get("amount")
        try:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            amount = int(str(raw).replace(".", "").replace(",", "")) if isinstance(raw, str) else int(raw)
        except (TypeError, ValueError):
            problem("phi_le_phi", f"Amount '{fee.get('amount')}' is not a whole number of VND.")
            continue
        if amount < 0 or not str(fee.get("name", "")).strip():
            problem("phi_le_phi", "Each fee needs a name and a non-negative amount.")
            continue
        cleaned.append(
            {
                "name": str(fee["name"]).strip(),
                "amount": amount,
                "per": fee.get("per") or None,
                "exemptions": list(fee.get("exemptions") or []),
            }
        )
    return cleaned


def _documents(cell: Any, problem) -> list[dict]:
    if isinstance(cell, list):
        documents = []
        for item in cell:
            count = item.get("count", 1) if isinstance(item, dict) else None
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("name"), str)
                or not item["name"].strip()
                or len(item["name"]) > 300
                or not isinstance(item.get("original", True), bool)
                or isinstance(count, bool)
                or not isinstance(count, int)
                or count < 1
            ):
                problem(
                    "thanh_phan_ho_so",
                    "Each document needs a name (≤ 300 characters), original true/false and a count ≥ 1.",
                )
                continue
            documents.append(
                {
                    "name": item["name"].strip(),
                    "original": item.get("original", True),
                    "count": count,
                    "required": bool(item.get("required", True)),
                }
            )
        return documents
    documents = []
    for part in _split(cell):
        pieces = [p.strip() for p in part.split("|")]
        if len(pieces) != 3 or pieces[1] not in ("chinh", "sao") or not pieces[2].isdecimal() or int(pieces[2]) < 1:
            problem("thanh_phan_ho_so", f"'{part}' must look like 'Tờ khai|chinh|1' (chinh or sao, count ≥ 1).")
            continue
        documents.append(
            {"name": pieces[0], "original": pieces[1] == "chinh", "count": int(pieces[2]), "required": True}
        )
    return documents


def _int(value: Any, column: str, problem, *, optional: bool = False) -> int | None:
    if value in (None, "") and optional:
        return None
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        problem(column, f"'{value}' is not a whole number.")
        return None


def check_records(records: list[Mapping[str, Any]], existing_codes: set[str]) -> tuple[list[dict], list[dict]]:
    """Turn records into procedure values; return (values, errors) where each error has row, column, message.
    Row numbers count data rows from 1 (the CSV header is not a row)."""
    values: list[dict] = []
    errors: list[dict] = []
    seen: dict[str, int] = {}
    for number, record_ in enumerate(records, start=1):

        def problem(column: str, message: str, _row: int = number) -> None:
            errors.append({"row": _row, "column": column, "message": message})

        if record_.get("_extra_cells"):
            problem("*", "The row has more cells than the header.")
        code = record_.get("ma_thu_tuc")
        code = code.strip() if isinstance(code, str) else ""
        if not NATIONAL_CODE_RE.match(code):
            problem("ma_thu_tuc", f"'{code}' is not a national procedure code like 1.001193.")
        elif code in existing_codes:
            problem("ma_thu_tuc", f"Code {code} is already used in this catalogue.")
        elif code in seen:
            problem("ma_thu_tuc", f"Code {code} also appears in row {seen[code]}.")
        seen.setdefault(code, number)
        if record_.get("nguon"):
            problem(
                "nguon",
                f"Procedures of plugin '{record_['nguon']}' come from enabling the plugin; "
                "leave 'nguon' empty for the province's own procedures.",
            )
        name = _text(record_, "ten_thu_tuc", problem, max_length=400, required=True)
        field_ = _text(record_, "linh_vuc", problem, max_length=200, required=True)
        level = record_.get("cap_thuc_hien") or ""
        if not isinstance(level, str) or level not in set(Level):
            problem("cap_thuc_hien", f"Must be one of: {', '.join(Level)}.")
        unit_kind = record_.get("co_quan_thuc_hien") or ""
        if not isinstance(unit_kind, str) or unit_kind not in UNIT_KINDS:
            problem("co_quan_thuc_hien", f"Must be one of: {', '.join(UNIT_KINDS)}.")
        limit = _int(record_.get("thoi_han"), "thoi_han", problem)
        unit = record_.get("don_vi_thoi_han") or ""
        if not isinstance(unit, str) or unit not in set(TimeUnit):
            problem("don_vi_thoi_han", f"Must be one of: {', '.join(TimeUnit)}.")
        cutoff = _int(record_.get("gio_cat"), "gio_cat", problem, optional=True)
        if cutoff is not None and not 0 < cutoff < 24:
            problem("gio_cat", "Must be an hour between 1 and 23.")
        if limit is not None and (limit < 0 or (limit == 0 and cutoff is None)):
            problem("thoi_han", "Must be positive (0 only with a same-day cut-off hour).")
        mode = record_.get("muc_do") or ""
        if not isinstance(mode, str) or mode not in set(OnlineMode):
            problem("muc_do", f"Must be one of: {', '.join(OnlineMode)}.")
        legacy = _int(record_.get("muc_do_cu"), "muc_do_cu", problem, optional=True)
        if legacy is not None and legacy not in (1, 2, 3, 4):
            problem("muc_do_cu", "Must be 1, 2, 3 or 4.")
        status = record_.get("trang_thai") or ProcedureStatus.PUBLISHED
        if not isinstance(status, str) or status not in (ProcedureStatus.DRAFT, ProcedureStatus.PUBLISHED):
            problem("trang_thai", "Must be draft or published.")
        values.append(
            {
                "code": code,
                "name_vi": name,
                "name_en": _text(record_, "ten_tieng_anh", problem, max_length=400),
                "field": field_,
                "level": level,
                "competent_unit_kind": unit_kind,
                "time_limit_value": limit,
                "time_limit_unit": unit,
                "same_day_cutoff_hour": cutoff,
                "online_mode": mode,
                "legacy_level": legacy,
                "fees": _fees(record_.get("phi_le_phi"), problem),
                "documents": _documents(record_.get("thanh_phan_ho_so"), problem),
                "result_document": _text(record_, "ket_qua", problem, max_length=400),
                "legal_basis": _split(record_.get("can_cu_phap_ly")),
                "applicants": _text(record_, "doi_tuong", problem, max_length=400),
                "status": status,
            }
        )
    return values, errors


def import_records(session: Session, actor: Actor, records: list[Mapping[str, Any]]) -> int:
    if not records:
        raise InvalidInput(_("The file holds no procedures."), {"file": [_("No rows.")]})
    if len(records) > MAX_ROWS:
        raise InvalidInput(
            _("The file is too large."), {"file": [_("At most %(max_rows)s procedures per import.", max_rows=MAX_ROWS)]}
        )
    existing = set(session.scalars(select(Procedure.code).distinct()))
    values, errors = check_records(records, existing)
    if errors:
        raise InvalidInput(
            _("Nothing was imported: %(errors_count)s problem(s) in the file.", errors_count=len(errors)),
            {"rows": errors},
        )
    now = utcnow()
    rows = []
    for value in values:
        row = Procedure(
            version=1, overridden=[], workflow=[], published_at=now if value["status"] == "published" else None, **value
        )
        fill_search(row)
        rows.append(row)
    session.add_all(rows)
    session.flush()
    # A bulk load leaves the planner's statistics behind until autovacuum comes by (a minute or more): on a
    # new catalogue it guessed an empty table and scanned every row on each search, 20 times slower than
    # through the search index. The statistics commit with the rows.
    session.execute(text("ANALYZE procedures"))
    record(session, actor, "catalogue.import", target="catalogue", procedures=len(rows))
    return len(rows)
