"""What a plugin declares about each procedure, modelled on the national procedure database's fields
(CSDL quốc gia về TTHC): code, field, level, competent unit, time limit and its unit, fees, dossier
components, online mode (Decree 42/2022: full / partial) with the legacy level 1–4, result, legal basis.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema

from motcua_platform.plugins.signatures import FEE_CALCULATOR_CALL, call_problem, form_problems

NATIONAL_CODE_RE = re.compile(r"^[0-9]\.[0-9]{6}(\.[A-Z0-9]{1,10})?$")


class TimeUnit(enum.StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"


class OnlineMode(enum.StrEnum):
    FULL = "full"  # toàn trình
    PARTIAL = "partial"  # một phần
    NONE = "none"  # not online


class Level(enum.StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"
    CENTRAL = "central"


UNIT_KINDS = ("province", "department", "service_centre", "commune", "sector_office")


@dataclass(frozen=True)
class TimeLimit:
    value: int
    unit: TimeUnit
    # With a cut-off hour: received before it, the result is due the same day; received after it, within
    # ``value`` ``unit`` (e.g. 1 working day: "after 15:00, the next working day").
    same_day_cutoff_hour: int | None = None

    def problems(self) -> list[str]:
        errors = []
        if self.unit not in set(TimeUnit):
            errors.append(f"time limit unit must be one of {', '.join(TimeUnit)}")
        if self.value < 0 or (self.value == 0 and self.same_day_cutoff_hour is None):
            errors.append("time limit must be positive (0 only for same-day procedures with a cut-off hour)")
        if self.same_day_cutoff_hour is not None and not 0 < self.same_day_cutoff_hour < 24:
            errors.append("same-day cut-off hour must be between 1 and 23")
        return errors


@dataclass(frozen=True)
class Fee:
    """A fee or charge (phí, lệ phí). ``amount`` is integer VND; ``exemptions`` say who pays nothing."""

    name: str
    amount: int
    per: str | None = None  # e.g. "bản" (per copy)
    exemptions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "amount": self.amount, "per": self.per, "exemptions": list(self.exemptions)}


@dataclass(frozen=True)
class FeeLine:
    name: str
    amount: int
    note: str | None = None


@dataclass(frozen=True)
class RequiredDocument:
    name: str
    original: bool = True  # bản chính; False = bản sao (copy)
    count: int = 1
    required: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "original": self.original, "count": self.count, "required": self.required}


SIGNATURE_KINDS = (None, "personal", "seal")


@dataclass(frozen=True)
class WorkflowStep:
    name: str
    role: str  # officer | tenant_admin
    unit_kind: str
    allotted_hours: int
    # a signature the step's result needs before the step completes (docs/signatures.md, ADR 0062):
    # "personal" (the officer's own certificate, e.g. the leader's) or "seal" (the agency's seal)
    signature: str | None = None

    def as_dict(self) -> dict[str, Any]:
        step: dict[str, Any] = {
            "name": self.name,
            "role": self.role,
            "unit_kind": self.unit_kind,
            "allotted_hours": self.allotted_hours,
        }
        if self.signature is not None:  # only when set: templates without signatures stay as they were
            step["signature"] = self.signature
        return step


# Called as calculator(data, procedure, settings): the cleaned form data, the procedure with the fees of the
# tenant's catalogue version, the tenant's plugin settings merged over the defaults. Checked at load.
FeeCalculator = Callable[[Mapping[str, Any], "ProcedureDefinition", Mapping[str, Any]], list[FeeLine]]


def fixed_fees(data: Mapping[str, Any], procedure: ProcedureDefinition, settings: Mapping[str, Any]) -> list[FeeLine]:
    """Default calculator: each declared fee once (``per`` fees multiplied by ``copies`` when present)."""
    copies = int(data.get("copies", 1) or 1)
    return [FeeLine(f.name, f.amount * (copies if f.per else 1)) for f in procedure.fees]


@dataclass(frozen=True)
class ProcedureDefinition:
    key: str  # stable within the plugin
    code: str  # national procedure code, e.g. 1.001193
    name_vi: str
    name_en: str
    field: str  # lĩnh vực
    level: Level
    competent_unit_kind: str
    time_limit: TimeLimit
    online_mode: OnlineMode
    legacy_level: int
    result_document: str
    legal_basis: tuple[str, ...]
    form: type[Schema]
    fees: tuple[Fee, ...] = ()
    documents: tuple[RequiredDocument, ...] = ()
    workflow: tuple[WorkflowStep, ...] = ()
    fee_calculator: FeeCalculator = fixed_fees
    applicants: str = "Công dân Việt Nam"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def problems(self) -> list[str]:
        errors: list[str] = []
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,59}", self.key):
            errors.append(f"key {self.key!r} must be lower-case letters, digits and underscores")
        if not NATIONAL_CODE_RE.match(self.code):
            errors.append(f"code {self.code!r} is not a national procedure code like 1.001193")
        if not self.name_vi.strip() or not self.name_en.strip():
            errors.append("names in Vietnamese and English are required")
        if self.level not in set(Level):
            errors.append(f"level must be one of {', '.join(Level)}")
        if self.competent_unit_kind not in UNIT_KINDS:
            errors.append(f"competent unit kind must be one of {', '.join(UNIT_KINDS)}")
        errors += self.time_limit.problems()
        if self.online_mode not in set(OnlineMode):
            errors.append(f"online mode must be one of {', '.join(OnlineMode)}")
        if self.legacy_level not in (1, 2, 3, 4):
            errors.append("legacy level must be 1–4")
        if not (isinstance(self.form, type) and issubclass(self.form, Schema)):
            errors.append("form must be a marshmallow Schema class")
        else:
            errors += form_problems(self.form)
        if problem := call_problem("fee calculator", self.fee_calculator, FEE_CALCULATOR_CALL, {}, self, {}):
            errors.append(problem)
        if any(f.amount < 0 for f in self.fees):
            errors.append("fees cannot be negative")
        if any(d.count < 1 for d in self.documents):
            errors.append("document counts must be at least 1")
        if not self.workflow:
            errors.append("a workflow template with at least one step is required")
        for step in self.workflow:
            if step.allotted_hours <= 0 or step.unit_kind not in UNIT_KINDS:
                errors.append(f"workflow step {step.name!r} needs a known unit kind and positive hours")
            if step.signature not in SIGNATURE_KINDS:
                errors.append(f"workflow step {step.name!r}: signature must be one of personal, seal (or none)")
        return errors

    def reference(self) -> dict[str, Any]:
        """The catalogue fields a tenant copy keeps in sync with (and can override)."""
        return {
            "code": self.code,
            "name_vi": self.name_vi,
            "name_en": self.name_en,
            "field": self.field,
            "level": str(self.level),
            "competent_unit_kind": self.competent_unit_kind,
            "time_limit_value": self.time_limit.value,
            "time_limit_unit": str(self.time_limit.unit),
            "same_day_cutoff_hour": self.time_limit.same_day_cutoff_hour,
            "fees": [f.as_dict() for f in self.fees],
            "documents": [d.as_dict() for d in self.documents],
            "online_mode": str(self.online_mode),
            "legacy_level": self.legacy_level,
            "result_document": self.result_document,
            "legal_basis": list(self.legal_basis),
            "applicants": self.applicants,
            "workflow": [s.as_dict() for s in self.workflow],
        }
