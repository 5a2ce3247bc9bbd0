"""Documents of a dossier: components answering the procedure's required documents, and result documents.

No Flask here. The caller passes the tenant session, the tenant's object storage (``TenantObjects``), the
acting principal and the file's byte stream, and commits (``commit_or_discard``). The order of work makes
a failed upload leave nothing that counts:

1. the bytes are read once into a spool, at most ``max_bytes + 1`` of them, hashing as they come, and
   their type is taken from their magic number (the client's Content-Type and file name are ignored);
2. everything that can be refused is refused (status, component, type, size) before anything is stored;
3. the object is written under a new random key, then the row, the running total and the usage event are
   written in the caller's transaction; if that fails, the object is deleted again. If the process dies
   between the write and the commit, an object with no row is left behind: nothing reads it and nothing
   bills it (usage is recorded only in the transaction that inserts the row).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import BinaryIO

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.db.unit_of_work import UnitOfWork
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from motcua_platform.i18n import _
from motcua_platform.storage.services import TenantObjects, new_key
from motcua_platform.timezones import VIETNAM
from motcua_platform.usage import report_usage
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers import history
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import signature_checks, store
from motcua_onestop.dossiers.documents.checklist import required_documents, resolve_component
from motcua_onestop.dossiers.documents.models import DocumentKind, DossierDocument, StoredBytes
from motcua_onestop.dossiers.models import Channel, Dossier, Status

log = logging.getLogger(__name__)

STORAGE_METRIC = "storage_gb"  # aggregation MAX: each event carries the tenant's total at that moment
BYTES_PER_GB = Decimal(10**9)  # decimal gigabytes, as the contracts' "GB"
GB_STEP = Decimal("0.000001")  # the usage ledger keeps 6 decimals: 1 kB; rounded up so no byte is free
CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024  # larger uploads spill to a temporary file

# Magic numbers of the accepted types, and the extension a download gets for each.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
HEAD = max(len(magic) for magic, _ in SIGNATURES)

# Components may be added while the dossier is open for its applicant's papers; results while it is being
# finished (processing, so the result is there when the officer moves it to 9) or done (before it is
# returned). Everything else (refused, withdrawn, stopped, returned) takes no more documents.
COMPONENT_STATUSES = frozenset(
    {Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT}
)
RESULT_STATUSES = frozenset({Status.PROCESSING, Status.DONE})


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"


# -- who may see and add documents ---------------------------------------------------------------
@dataclass(frozen=True)
class Requester:
    """Who asks for a dossier's documents: an officer (their officer/admin units) or a citizen account."""

    officer_units: frozenset[int] = frozenset()
    citizen_account_id: int | None = None


# A citizen adds components while the dossier waits for intake (1) or answers a supplement request (5);
# once it is received the file set is the administration's record.
CITIZEN_UPLOAD_STATUSES = (1, 5)


READ, ADD_COMPONENT, ADD_RESULT = "read", "add_component", "add_result"


def authorize(session: Session, code: str, who: Requester, action: str, *, lock: bool = False) -> Dossier:
    """The one place that decides who may read a dossier's documents or add to them; the dossier, or 404.

    Officers: those who may see the dossier (its receiving unit or a unit above, or a unit one of its steps
    was assigned to) may read, add components and attach results. A dossier they may not see is a 404 that
    does not reveal it exists, exactly like the dossier itself.
    Citizens: the dossier's own account may READ and ADD_COMPONENT (in statuses 1 and 5 only), never
    ADD_RESULT; someone else's dossier is a 404 (``dossiers.get_own_dossier``).
    """
    if action not in (READ, ADD_COMPONENT, ADD_RESULT):
        raise ValueError(action)
    if who.citizen_account_id is not None:
        if action == ADD_RESULT:
            raise Forbidden(_("Only an officer attaches result documents."))
        dossier = dossiers.get_own_dossier(session, code, who.citizen_account_id, lock=lock)
        if action == ADD_COMPONENT and dossier.status not in CITIZEN_UPLOAD_STATUSES:
            raise Conflict(
                _(
                    "Dossier %(code)s is in status %(status)s: you can add documents before it is received "
                    "(1) or when a supplement is requested (5).",
                    code=code,
                    status=dossier.status,
                ),
                {
                    "status": [
                        _(
                            "Allowed: %(citizen_upload_statuses)s.",
                            citizen_upload_statuses=list(CITIZEN_UPLOAD_STATUSES),
                        )
                    ]
                },
            )
        return dossier
    if who.officer_units:
        return dossiers.get_dossier(session, code, who.officer_units, lock=lock)
    raise NotFound(_("No dossier %(code)s in your units.", code=code))


# -- reading the upload --------------------------------------------------------------------------
@dataclass
class Spooled:
    """An upload read in full: its bytes (``file``, rewound), size, SHA-256 and sniffed content type."""

    file: BinaryIO
    size: int
    sha256: str
    content_type: str

    def close(self) -> None:
        self.file.close()


def sniff(head: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def spool(stream: BinaryIO, max_bytes: int) -> Spooled:
    """Read ``stream`` once, never more than ``max_bytes + 1`` bytes, hashing while reading.

    Refuses an empty file (422), one larger than ``max_bytes`` (413) and bytes that are not PDF, JPEG or
    PNG (422)."""
    digest = hashlib.sha256()
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115  (handed to the caller)
    size, head = 0, b""
    try:
        while size <= max_bytes:
            chunk = stream.read(min(CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if len(head) < HEAD:
                head += chunk[: HEAD - len(head)]
            if size > max_bytes:
                raise PayloadTooLarge(
                    _("The file is larger than %(max_bytes)s bytes.", max_bytes=max_bytes),
                    {"file": [_("At most %(max_bytes)s bytes.", max_bytes=max_bytes)]},
                )
            digest.update(chunk)
            out.write(chunk)
        if size == 0:
            raise InvalidInput(_("The file is empty."), {"file": [_("The file has no content.")]})
        content_type = sniff(head)
        if content_type is None:
            raise InvalidInput(
                _("Only PDF, JPEG and PNG files are accepted."),
                {"file": [_("The file's content is not a PDF, JPEG or PNG (its name and declared type are ignored).")]},
            )
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return Spooled(out, size, digest.hexdigest(), content_type)


UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def display_name(raw: str | None, content_type: str) -> str:
    """The client's file name made safe to show and to offer back in a download: the last path segment,
    NFC, no control or shell/path characters, at most 200 characters, with the extension of the real type."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE.sub("_", name).strip(" ._")[:200]
    extension = EXTENSIONS[content_type]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if not name.lower().endswith(extension) and not (content_type == "image/jpeg" and name.lower().endswith(".jpeg")):
        name = f"{stem or 'tai-lieu'}{extension}"
    return name


def list_documents(session: Session, dossier: Dossier) -> list[DossierDocument]:
    """Every document of the dossier, superseded ones included, oldest first."""
    return list(
        session.scalars(
            select(DossierDocument).where(DossierDocument.dossier_id == dossier.id).order_by(DossierDocument.id)
        )
    )


def get_document(session: Session, dossier: Dossier, document_id: int) -> DossierDocument:
    document = session.get(DossierDocument, document_id)
    if document is None or document.dossier_id != dossier.id:
        raise NotFound(
            _("No document %(document_id)s on dossier %(code)s.", document_id=document_id, code=dossier.code)
        )
    return document


# -- storing -------------------------------------------------------------------------------------
def gigabytes(total_bytes: int) -> Decimal:
    return (Decimal(total_bytes) / BYTES_PER_GB).quantize(GB_STEP, rounding=ROUND_CEILING)


def _add_stored_bytes(session: Session, size: int) -> int:
    """Add ``size`` to the tenant's running total under the row's lock; the new total."""
    statement = (
        insert(StoredBytes)
        .values(id=1, bytes=size)
        .on_conflict_do_update(index_elements=[StoredBytes.id], set_={"bytes": StoredBytes.bytes + size})
        .returning(StoredBytes.bytes)
    )
    return session.execute(statement).scalar_one()


def count_stored(session: Session, tenant_slug: str, event_id: str, size: int, now: dt.datetime) -> None:
    """Count ``size`` more stored bytes in the caller's transaction, with the storage usage event ``event_id``:
    for other stored files of the tenant than documents (the sealed forms, ``forms.signing``)."""
    total = _add_stored_bytes(session, size)
    report_usage(session, tenant_slug, STORAGE_METRIC, event_id, gigabytes(total), now)


def stored_bytes(session: Session) -> int:
    return session.scalar(select(StoredBytes.bytes).where(StoredBytes.id == 1)) or 0


@dataclass(frozen=True)
class NewDocument:
    kind: str
    filename: str | None
    component: str | None = None
    digitised: bool = False
    reused_from: int | None = None  # the earlier document whose bytes these are (``store.source_of``)


@dataclass(frozen=True)
class SignatureChecking:
    """How an upload's PDF signatures are checked (``signature_checks.py``): ``verifier`` is the engine with
    the deployment's trust list; ``fetch_later`` when a job re-checks revocation online; ``recheck(document_id)``
    asks for that job (after the commit)."""

    verifier: signature_checks.Verifier
    fetch_later: bool = False
    recheck: Callable[[int], None] | None = None


def _check_status(dossier: Dossier, kind: str) -> None:
    allowed = COMPONENT_STATUSES if kind == DocumentKind.COMPONENT else RESULT_STATUSES
    if dossier.status not in allowed:
        what = _("Components") if kind == DocumentKind.COMPONENT else _("Result documents")
        codes = sorted(int(s) for s in allowed)
        raise Conflict(
            _(
                "%(what)s cannot be added to a dossier in status %(status)s (%(status_name)s); allowed in "
                "statuses %(codes)s.",
                what=what,
                status=dossier.status,
                status_name=dossiers.STATUS_NAMES[Status(dossier.status)],
                codes=codes,
            ),
            {"status": [_("Allowed in statuses %(codes)s.", codes=codes)]},
        )


def add_document(
    session: Session,
    objects: TenantObjects,
    actor: Actor,
    dossier: Dossier,
    upload: Spooled,
    new: NewDocument,
    *,
    tenant_slug: str,
    signatures: SignatureChecking | None,
    now: dt.datetime | None = None,
) -> tuple[DossierDocument, bool]:
    """Store ``upload`` as a document of ``dossier`` (loaded with ``lock=True``, so uploads to one dossier
    queue); ``(document, created)``.

    Sending the same bytes again for the same component (or as a result of the same dossier) is a retry:
    the existing document comes back with ``created=False`` and nothing is stored or counted twice. Other
    bytes for a component that already has a document supersede it; the old row and object stay.
    """
    now = now or utcnow()
    if new.kind not in set(DocumentKind):
        raise InvalidInput(_("Unknown kind."), {"kind": [_("Must be component or result.")]})
    _check_status(dossier, new.kind)
    index = name = None
    if new.kind == DocumentKind.COMPONENT:
        documents = required_documents(session, dossier)
        index = resolve_component(documents, new.component)
        name = documents[index]["name"]
        same = select(DossierDocument).where(
            DossierDocument.dossier_id == dossier.id,
            DossierDocument.kind == DocumentKind.COMPONENT,
            DossierDocument.component_index == index,
            DossierDocument.superseded_at.is_(None),
        )
    else:
        if new.component:
            raise InvalidInput(_("A result document answers no component."), {"component": [_("Leave it out.")]})
        same = select(DossierDocument).where(
            DossierDocument.dossier_id == dossier.id,
            DossierDocument.kind == DocumentKind.RESULT,
            DossierDocument.sha256 == upload.sha256,
        )
    previous = session.scalar(same)
    if previous is not None and previous.sha256 == upload.sha256:
        return previous, False

    check = _signature_check(upload, signatures)
    key = new_key("documents")
    objects.put(key, upload.file, content_type=upload.content_type)
    try:
        if previous is not None:  # first, so the new row may become the current one
            previous.superseded_at = now
            session.flush()
        document = DossierDocument(
            dossier_id=dossier.id,
            kind=new.kind,
            component_index=index,
            component_name=name,
            filename=display_name(new.filename, upload.content_type),
            content_type=upload.content_type,
            size_bytes=upload.size,
            sha256=upload.sha256,
            storage_key=key,
            digitised=new.digitised,
            reused_from_id=new.reused_from,
            uploaded_by=str(actor),
            uploaded_at=now,
            signature_check=check,
            verify_token=secrets.token_urlsafe(32) if new.kind == DocumentKind.RESULT else None,
        )
        session.add(document)
        session.flush()
        if check is not None and check["state"] == signature_checks.CHECKING and signatures.recheck is not None:
            signatures.recheck(document.id)
        result_name = session.get(Procedure, dossier.procedure_id).result_document if name is None else None
        store.keep(session, dossier, document, result_name)
        if previous is not None:
            previous.superseded_by_id = document.id
        _keep_indicator_facts(dossier, document)
        total = _add_stored_bytes(session, upload.size)
        report_usage(session, tenant_slug, STORAGE_METRIC, f"document:{document.id}:stored", gigabytes(total), now)
        action = "document_add" if new.kind == DocumentKind.COMPONENT else "result_add"
        what = f"{name} ({index})" if name is not None else "kết quả"
        history.note(
            session, actor, dossier, action, f"{what}: {document.filename}, {upload.size} bytes, sha256 {upload.sha256}"
        )
        record(
            session,
            actor,
            f"dossier.{action}",
            target=f"dossier:{dossier.code}",
            document_id=document.id,
            sha256=upload.sha256,
            size=upload.size,
            digitised=new.digitised,
            replaces=previous.id if previous is not None else None,
            reused_from=new.reused_from,
            signatures=signature_checks.summary(check),
        )
        session.flush()
    except BaseException:
        discard(objects, key)
        raise
    return document, True


def current_result_pdf(session: Session, dossier: Dossier) -> DossierDocument | None:
    """The dossier's newest current result document that is a PDF: the one a signature step signs."""
    return session.scalar(
        select(DossierDocument)
        .where(
            DossierDocument.dossier_id == dossier.id,
            DossierDocument.kind == DocumentKind.RESULT,
            DossierDocument.superseded_at.is_(None),
            DossierDocument.content_type == "application/pdf",
        )
        .order_by(DossierDocument.id.desc())
        .limit(1)
    )


def add_revision(
    session: Session,
    objects: TenantObjects,
    actor: Actor,
    dossier: Dossier,
    previous: DossierDocument,
    content: bytes,
    *,
    tenant_slug: str,
    why: str,
    signature_check: dict | None = None,
    now: dt.datetime | None = None,
) -> DossierDocument:
    """Store ``content`` as a new version of ``previous`` (a signed copy of it), which it supersedes; nothing
    is overwritten. As for an upload: the object first, under a new key, then the rows in the caller's
    transaction (``commit_or_discard``); if writing the rows fails, the object is deleted again and
    ``previous`` stays current. ``why`` goes in the history; ``signature_check``: the new content's
    (``signature_checks``). The public verification link of ``previous`` moves to the new version, so a link
    already given out shows the document as it is now (signed), not the version it replaced."""
    now = now or utcnow()
    if previous.superseded_at is not None:
        raise Conflict(_("Document %(id)s has been replaced already.", id=previous.id), {"document": [_("Replaced.")]})
    sha256 = hashlib.sha256(content).hexdigest()
    key = new_key("documents")
    objects.put(key, io.BytesIO(content), content_type=previous.content_type)
    try:
        previous.superseded_at = now
        token, previous.verify_token = previous.verify_token, None
        session.flush()
        if token is None and previous.kind == DocumentKind.RESULT:
            token = secrets.token_urlsafe(32)
        document = DossierDocument(
            dossier_id=dossier.id,
            kind=previous.kind,
            component_index=previous.component_index,
            component_name=previous.component_name,
            filename=previous.filename,
            content_type=previous.content_type,
            size_bytes=len(content),
            sha256=sha256,
            storage_key=key,
            digitised=previous.digitised,
            uploaded_by=str(actor),
            uploaded_at=now,
            signature_check=signature_check,
            verify_token=token,
        )
        session.add(document)
        session.flush()
        previous.superseded_by_id = document.id
        result_name = (
            session.get(Procedure, dossier.procedure_id).result_document if previous.kind == "result" else None
        )
        store.keep(session, dossier, document, result_name)
        total = _add_stored_bytes(session, len(content))
        report_usage(session, tenant_slug, STORAGE_METRIC, f"document:{document.id}:stored", gigabytes(total), now)
        history.note(session, actor, dossier, "document_revision", f"{why}: {document.filename}, sha256 {sha256}", now)
        session.flush()
    except BaseException:
        discard(objects, key)
        raise
    return document


def _signature_check(upload: Spooled, signatures: SignatureChecking | None) -> dict | None:
    """The signature check of a PDF upload (None for an image, or where the caller checks none: the
    tests' and scripts' direct calls). The spool is at most ``MOTCUA_UPLOAD_MAX_BYTES``, read whole once."""
    if signatures is None or upload.content_type != "application/pdf":
        return None
    upload.file.seek(0)
    pdf = upload.file.read()
    upload.file.seek(0)
    return signature_checks.check_upload(pdf, signatures.verifier, fetch_later=signatures.fetch_later)


def recheck_signatures(
    session: Session, objects: TenantObjects, document_id: int, verifier: signature_checks.Verifier
) -> dict | None:
    """Verify a stored PDF again with revocation fetching (the job after an upload left it ``checking``) and
    replace its check; the new check, or None when the document is gone or has none."""
    document = session.get(DossierDocument, document_id, with_for_update=True)
    if document is None or document.signature_check is None:
        return None
    with open_content(objects, document) as stream:
        pdf = stream.read()
    document.signature_check = signature_checks.check_of(verifier(pdf, allow_fetching=True), will_fetch=False)
    session.flush()
    return document.signature_check


VERIFY_PATH = "/verify/"


def ensure_verify_token(document: DossierDocument) -> str | None:
    """A result's public verification token, given now (in the caller's transaction) to a result stored
    before results had one; None for a component, which is never public."""
    if document.kind == DocumentKind.RESULT and document.verify_token is None:
        document.verify_token = secrets.token_urlsafe(32)
    return document.verify_token


def verification_url(public_url: str, token: str) -> str:
    """The public page verifying the issued document whose link is ``token``, on the tenant's public URL
    (``TenantContext.public_url``): what a signed result's stamp carries as a QR code."""
    return f"{public_url}{VERIFY_PATH}{token}"


def issued_document(session: Session, token: str) -> DossierDocument:
    """The result document whose public verification link is ``/verify/<token>`` (ADR 0063), or 404."""
    document = None
    if 20 <= len(token) <= 43 and token.isascii():
        document = session.scalar(
            select(DossierDocument).where(
                DossierDocument.verify_token == token, DossierDocument.kind == DocumentKind.RESULT
            )
        )
    if document is None:
        raise NotFound(_("No document issued by this province has this verification code."))
    return document


def result_name(session: Session, dossier: Dossier) -> str | None:
    """What the dossier's result document is called (the procedure's "kết quả")."""
    return session.get(Procedure, dossier.procedure_id).result_document


def give_again(
    session: Session,
    objects: TenantObjects,
    actor: Actor,
    dossier: Dossier,
    account_id: int,
    kept_id: int,
    component: str,
    *,
    max_bytes: int,
    tenant_slug: str,
    signatures: SignatureChecking | None,
) -> tuple[DossierDocument, bool]:
    """Answer required document ``component`` of ``dossier`` (the account's own, loaded with ``lock=True``)
    with one of the account's kept documents of the same kind (``store.py``): its bytes are copied through
    ``add_document``, with every check of an upload, and the new document records where they came from."""
    required = required_documents(session, dossier)
    index = resolve_component(required, component)
    source = store.source_of(session, account_id, kept_id, required[index]["name"])
    with open_content(objects, source) as stream:
        copied = spool(stream, max_bytes)
    try:
        return add_document(
            session,
            objects,
            actor,
            dossier,
            copied,
            NewDocument(DocumentKind.COMPONENT, source.filename, str(index), reused_from=source.id),
            tenant_slug=tenant_slug,
            signatures=signatures,
        )
    finally:
        copied.close()


def mark_digitised(
    session: Session, actor: Actor, dossier: Dossier, document_id: int, now: dt.datetime | None = None
) -> tuple[DossierDocument, bool]:
    """Record that a current component's file is a scan of the paper original an officer saw (for a file
    uploaded before the original was presented): ``(document, changed)``; marking it again changes nothing.
    ``dossier`` is loaded with ``lock=True``; only while its status still takes components."""
    document = get_document(session, dossier, document_id)
    if document.kind != DocumentKind.COMPONENT or document.superseded_at is not None:
        raise Conflict(
            _("Only a current component (not a result, not a replaced file) is marked as digitised."),
            {"document": [_("Not a current component.")]},
        )
    _check_status(dossier, DocumentKind.COMPONENT)
    if document.digitised:
        return document, False
    document.digitised = True
    _keep_indicator_facts(dossier, document)
    what = f"{document.component_name} ({document.component_index}): {document.filename}"
    history.note(session, actor, dossier, "document_digitised", what, now)
    record(session, actor, "dossier.document_digitised", target=f"dossier:{dossier.code}", document_id=document.id)
    session.flush()
    return document, True


def _keep_indicator_facts(dossier: Dossier, document: DossierDocument) -> None:
    """The dossier's facts for the QĐ 766 indicators (ADR 0039): it has digitised components once a component
    is a scan of the paper original or came with an online dossier (electronic from the start), and an
    electronic result once a result file is attached. Neither goes back: the scan of a replaced component
    was made and is kept, and a result file is never removed."""
    if document.kind == DocumentKind.RESULT:
        dossier.has_result_file = True
    elif document.digitised or dossier.channel == Channel.ONLINE:
        dossier.has_digitised_components = True


def discard(objects: TenantObjects, key: str) -> None:
    """Delete an object whose row did not make it to the database."""
    try:
        objects.delete(key)
    except Exception:  # the original failure matters more; an orphan is unread and unbilled
        log.exception("could not delete the orphaned object %s/%s", objects.slug, key)


def commit_or_discard(session: Session, objects: TenantObjects, document: DossierDocument, created: bool) -> None:
    """Commit the caller's transaction; if the commit fails, the object just stored goes too."""
    try:
        session.commit()
    except BaseException:
        if created:
            session.rollback()
            discard(objects, document.storage_key)
        raise


def open_content(objects: TenantObjects, document: DossierDocument) -> BinaryIO:
    try:
        return objects.open(document.storage_key)
    except FileNotFoundError:
        log.error("document %s: object %s is missing from storage", document.id, document.storage_key)
        raise NotFound(_("The content of document %(id)s is not available.", id=document.id)) from None


# -- the daily snapshot --------------------------------------------------------------------------
def snapshot(session: Session, tenant_slug: str, now: dt.datetime | None = None) -> Decimal | None:
    """Record the tenant's stored total as ``storage:<Vietnam date>:snapshot`` (once a day: a repeat
    the same day is a duplicate); the GB recorded, or None when nothing is stored."""
    now = now or utcnow()
    total = stored_bytes(session)
    if not total:
        return None
    day = now.astimezone(VIETNAM).date()
    report_usage(session, tenant_slug, STORAGE_METRIC, f"storage:{day:%Y-%m-%d}:snapshot", gigabytes(total), now)
    return gigabytes(total)


def snapshot_all(db: Database, now: dt.datetime | None = None) -> dict[str, Decimal | None]:
    """Snapshot every active or suspended tenant (both are billed), each in its own transaction; one
    tenant's failure does not hold back the others."""
    with db.control_session() as control:
        slugs = list(
            control.scalars(select(Tenant.slug).where(Tenant.status.in_([TenantStatus.ACTIVE, TenantStatus.SUSPENDED])))
        )
    recorded: dict[str, Decimal | None] = {}
    for slug in slugs:
        try:
            with UnitOfWork(db) as work:
                recorded[slug] = snapshot(work.tenant_session(db.binding(slug)), slug, now)
        except Exception:
            log.exception("the storage snapshot of %s failed", slug)
    return recorded


def current_documents(session: Session, dossier: Dossier, kinds: Iterable[str] = tuple(DocumentKind)):
    return [d for d in list_documents(session, dossier) if d.superseded_at is None and d.kind in set(kinds)]
