"""What a merge does with each tenant table: one declared policy per table, so that a table added later
cannot be merged (or forgotten) by accident — tests/functional/test_tenant_merge.py fails on a tenant table
with no policy here, on an integer ``*_id``/``*_by`` column that is neither a foreign key nor declared in
``ids`` below, and on a text ``*_by``/``actor`` column of a copied table not declared in ``text_ids``.

* ``append``: every source row is inserted into the target with its id shifted by the table's offset and
  every foreign key (and every column in ``ids``) rewritten to the referenced row's id in the target.
* ``match``: a source row that ``key`` finds in the target *is* that row (the target's wins, its differences
  are reported); the others are appended as above. Rows pointing at a matched row are pointed at the target's.
* ``skip``: nothing is copied, for the ``reason`` given (the dry run lists it with the source's row count).
* ``derived``: rebuilt in the target from the merged rows by the code that maintains it (``run.rebuild``).

``keep_target_on_clash``: a source row that would break one of the target's unique keys is left out (the
target's row stays; the dry run counts them over every unique key, partial indexes included, and lists edited FAQ
entries left out). Only for rows nothing points at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["append", "match", "skip", "derived"]


@dataclass(frozen=True)
class Policy:
    kind: Kind
    reason: str = ""
    # match: SQL expressions over the row ``{r}`` that identify the same row in both schemas
    key: tuple[str, ...] = ()
    ids: dict[str, str] = field(default_factory=dict)  # non-FK column -> the table whose ids it holds
    # text columns that name rows as ``<prefix>:<id>`` (audit actors "staff:12:lan@…", targets "unit:7"):
    # column -> {prefix: table}; the id is rewritten like a foreign key's
    text_ids: dict[str, dict[str, str]] = field(default_factory=dict)
    # JSON columns whose top-level keys hold ids (an audit event's ``document_id``): column -> {key: table};
    # a number under such a key is rewritten like a foreign key's
    json_ids: dict[str, dict[str, str]] = field(default_factory=dict)
    keep_target_on_clash: bool = False
    where: str | None = None  # append only the source rows this SQL condition over ``{r}`` keeps
    match_where: str | None = None  # match only rows (of either schema) this SQL condition over ``{r}`` keeps


APPEND = Policy("append")
ACTORS = {"staff": "staff_accounts", "citizen": "citizen_accounts"}
AUDIT_TARGETS = ACTORS | {
    "unit": "units",
    "procedure": "procedures",
    "faq": "faq_entries",
    "feedback": "feedback_items",
    "calendar_day": "calendar_days",
    "document": "dossier_documents",
    "signing_certificate": "signing_certificates",
}
# audit_events.details keys under which the code records a tenant row's id (``record(…, document_id=…)``)
AUDIT_DETAIL_IDS = {
    "document_id": "dossier_documents",
    "issued_form_id": "issued_forms",
    "replaces": "dossier_documents",
    "reused_from": "dossier_documents",
    "dossier_id": "dossiers",
    "unit_id": "units",
    "citizen": "citizen_accounts",
}
# notification_outbox.idempotency_key: ``<owner>:<id>:<event>[:<fact>]:<channel>``; ``report:`` keys are not
# copied (their reports stay with the source)
OUTBOX_OWNERS = {"dossier": "dossiers", "citizen": "citizen_accounts", "feedback": "feedback_items"}

POLICIES: dict[str, Policy] = {
    # the organisation tree: every unit comes along; the source's root is closed the day before the merge and,
    # with its direct children, sits under the target's root (``copy.unit_parent``)
    "units": APPEND,
    "procedures": Policy("match", key=("{r}.code", "{r}.version")),
    "citizen_accounts": Policy("match", key=("{r}.national_id",), match_where="{r}.kind = 'citizen'"),
    "staff_accounts": Policy("match", key=("lower({r}.email)",)),
    "calendar_days": Policy("match", key=("{r}.date",)),
    "form_templates": Policy("match", key=("{r}.number",), text_ids={"updated_by": ACTORS}),
    "staff_roles": Policy("append", keep_target_on_clash=True),
    "citizen_identities": Policy("append", keep_target_on_clash=True),
    "dossiers": APPEND,
    "dossier_documents": Policy("append", text_ids={"uploaded_by": ACTORS}),
    "dossier_extensions": Policy("append", text_ids={"actor": ACTORS}),
    "dossier_history": Policy("append", text_ids={"actor": ACTORS}),
    "dossier_late_notices": APPEND,
    "dossier_rating_links": APPEND,
    "dossier_ratings": APPEND,
    "dossier_steps": APPEND,
    "dossier_signatures": APPEND,
    "issued_forms": Policy("append", text_ids={"issued_by": ACTORS}),
    "dossier_counters": APPEND,
    "kept_documents": APPEND,
    "payments": Policy("append", text_ids={"recorded_by": ACTORS}),
    "national_intakes": APPEND,
    "national_sync_outbox": APPEND,
    "notification_outbox": Policy(
        "append",
        # a notice about one of the source's statistics reports, which are not carried over (below)
        where="{r}.report_id IS NULL",
        ids={"report_id": "statistics_reports"},
        # the key names its owner's id (notifications.services.idempotency_key): rewritten with the owner's,
        # or the target's own later message about its row of the same id would be taken for a copied one
        text_ids={"idempotency_key": OUTBOX_OWNERS},
    ),
    "feedback_items": APPEND,
    "faq_entries": Policy("append", keep_target_on_clash=True),
    "statistics_targets": Policy("append", text_ids={"set_by": ACTORS}),
    "audit_events": Policy(
        "append",
        text_ids={"actor": ACTORS, "target": AUDIT_TARGETS},
        # the details' keys the code writes ids under (``record(…, document_id=…)``); other details are copied
        # as they are (docs/operations/tenant-merge.md)
        json_ids={"details": AUDIT_DETAIL_IDS},
    ),
    "civil_status_registers": APPEND,  # plugin civil_status
    # officers keep their personal certificates; the source agency's seal ends with the province (what it signed
    # still verifies against the trust list, which does not depend on this register)
    "signing_certificates": Policy(
        "append", keep_target_on_clash=True, where="{r}.purpose = 'officer'", text_ids={"registered_by": ACTORS}
    ),
    # -- not copied -------------------------------------------------------------------------------------------
    "citizen_tokens": Policy("skip", "sign-in sessions: people sign in again on the target"),
    "citizen_password_resets": Policy("skip", "password-reset links: people ask again on the target"),
    "staff_tokens": Policy("skip", "sign-in sessions: staff sign in again on the target"),
    "login_failures": Policy("skip", "the login throttle's short-lived counters"),
    "portal_parked_posts": Policy("skip", "short-lived parked form posts of the portal"),
    "portal_drafts": Policy(
        "skip",
        "unfinished portal drafts: their uploads are keyed under the source; citizens start again",
        ids={"receiving_unit_id": "units"},
    ),
    "calendar_settings": Policy("skip", "the source's settings: the target's apply"),
    "identity_provider_settings": Policy("skip", "the source's settings: the target's apply"),
    "national_sync_settings": Policy("skip", "the source's settings: the target's apply"),
    "payment_settings": Policy("skip", "the source's settings: the target's apply"),
    "statistics_report_settings": Policy("skip", "the source's settings: the target's apply"),
    "statistics_reports": Policy(
        "skip", "reports made for the source's own periods stay with the source's schema (kept, not dropped)"
    ),
    "billing_usage_outbox": Policy(
        "skip", "the source's usage is billed on its own contract up to the merge (control step)"
    ),
    "tenant_merges": Policy(
        "skip", "the merge markers of the source's own earlier merges", ids={"source_tenant_id": "control.tenants"}
    ),
    # -- rebuilt ----------------------------------------------------------------------------------------------
    "document_storage_totals": Policy("derived", "the source's stored bytes are added to the target's total"),
    "statistics_kept_periods": Policy(
        "derived", "forgotten by the dossiers' trigger where the merge changes them, then kept again"
    ),
    "statistics_period_counts": Policy(
        "derived",
        "forgotten by the dossiers' trigger where the merge changes them, then kept again",
        ids={"receiving_unit_id": "units", "procedure_id": "procedures"},
    ),
}

# rows whose storage key is rewritten to the copied object's key (files.py)
STORAGE_KEYS = {"dossier_documents": "storage_key", "issued_forms": "storage_key"}
# the objects' content type, as SQL over the row (an issued form is always a PDF)
STORAGE_CONTENT_TYPES = {"dossier_documents": "content_type", "issued_forms": "'application/pdf'"}


def policy(table: str) -> Policy:
    try:
        return POLICIES[table]
    except KeyError:
        raise LookupError(f"tenant table {table} has no merge policy (motcua_tenants.merges.policy)") from None
