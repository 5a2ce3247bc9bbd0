"""The signature check of an uploaded PDF (issue 18 item 3, ADR 0063), stored with the document.

At upload the PDF's signatures are verified **offline** (only what the file carries: its certificates and
any embedded CRLs/OCSP answers), in the request: it reads nothing from the network, and the engine caps the
signatures it checks, so the upload stays fast. When the deployment fetches revocation data
(``MOTCUA_SIGNING_FETCH_REVOCATION``) and a signature's revocation could not be checked offline, the check is
stored as ``checking`` and a job (``tasks.recheck_signatures``) verifies again with fetching, replacing it.

The stored check (``DossierDocument.signature_check``, JSON) is plain data, so pages and the API show it
without the engine::

    {"state": "checked" | "checking", "checked_at": "…", "signatures": [
        {"field": …, "signer": …, "organization": …, "issuer": …, "fingerprint": …, "signed_at": …,
         "timestamped": …, "good": …, "intact": …, "valid": …, "trusted": …, "revoked": …,
         "revocation_checked": …, "expired": …, "covers_whole_document": …, "problems": [codes],
         "notes": [codes]}]}

An empty ``signatures`` list is "no signature". Documents that are not PDFs have no check (None). Reasons are
stored as codes and translated when shown (``reasons``), so an officer reads them in their own language.

No Flask here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from motcua_platform.db.base import utcnow
from motcua_platform.signatures.verify import NOTE_TEXT, PROBLEM_TEXT, Note, Problem, SignatureReport

CHECKED, CHECKING = "checked", "checking"

# verify(pdf, allow_fetching=…) -> reports: the engine bound to the deployment's trust list
Verifier = Callable[..., list[SignatureReport]]


def signature_view(report: SignatureReport) -> dict[str, Any]:
    signer = report.signer
    return {
        "field": report.field_name,
        "signer": signer.name if signer else None,
        "organization": signer.organization if signer else None,
        "issuer": signer.issuer if signer else None,
        "fingerprint": signer.fingerprint if signer else None,
        "signed_at": report.signed_at.isoformat() if report.signed_at else None,
        "timestamped": report.timestamped,
        "good": report.good,
        "intact": report.intact,
        "valid": report.valid,
        "trusted": report.trusted,
        "revoked": report.revoked,
        "revocation_checked": report.revocation_checked,
        "expired": Problem.EXPIRED in report.problems or Note.EXPIRED_SINCE in report.notes,
        "covers_whole_document": report.covers_whole_document,
        "problems": [p.value for p in report.problems],
        "notes": [n.value for n in report.notes],
    }


def check_of(reports: list[SignatureReport], *, will_fetch: bool, now: dt.datetime | None = None) -> dict[str, Any]:
    """The stored check of ``reports``; ``checking`` when a later check with fetching can still say more
    (``will_fetch``, and some signature's revocation was not checked)."""
    pending = will_fetch and any(Note.REVOCATION_NOT_CHECKED in r.notes for r in reports)
    return {
        "state": CHECKING if pending else CHECKED,
        "checked_at": (now or utcnow()).isoformat(),
        "signatures": [signature_view(r) for r in reports],
    }


def check_upload(pdf: bytes, verifier: Verifier, *, fetch_later: bool) -> dict[str, Any]:
    """The check made at upload: offline, so the request never waits on a CA's server."""
    return check_of(verifier(pdf, allow_fetching=False), will_fetch=fetch_later)


def reasons(signature: dict[str, Any]) -> list[str]:
    """The stored codes as sentences in the current language (unknown codes are skipped)."""
    problems = [PROBLEM_TEXT[Problem(c)] for c in signature.get("problems", ()) if c in Problem._value2member_map_]
    notes = [NOTE_TEXT[Note(c)] for c in signature.get("notes", ()) if c in Note._value2member_map_]
    return [str(text) for text in problems + notes]


def signed_at(signature: dict[str, Any]) -> dt.datetime | None:
    value = signature.get("signed_at")
    return dt.datetime.fromisoformat(value) if value else None


def summary(check: dict[str, Any] | None) -> str | None:
    """One word for a list: ``none`` (unsigned), ``good``, ``problem``, ``checking``; None for no check."""
    if check is None:
        return None
    signatures = check.get("signatures") or []
    if not signatures:
        return "none"
    if any(not s.get("good") for s in signatures):
        return "problem"
    return "checking" if check.get("state") == CHECKING else "good"


def display(check: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored check ready for a page: each signature with its ``reasons`` in the current language, its
    ``signed_at`` as a datetime, and the check's ``summary``."""
    if check is None:
        return None
    signatures = [{**s, "signed_at": signed_at(s), "reasons": reasons(s)} for s in check.get("signatures") or []]
    return {"state": check.get("state"), "summary": summary(check), "signatures": signatures}
