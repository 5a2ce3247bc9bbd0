"""Documents of a dossier on a tenant host: upload (multipart), list, download. Who may do what is decided
by ``services.authorize`` alone."""

from flask import request
from motcua_platform.auth.tokens import is_citizen_secret
from motcua_platform.i18n import _
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import current_tenant, runtime, tenant_session
from motcua_platform.web.principals import (
    CITIZEN_SECURITY,
    STAFF_OR_CITIZEN_SECURITY,
    actor,
    bearer_secret,
    current_principal,
)

from motcua_onestop.citizens.api import citizen_actor, current_citizen
from motcua_onestop.dossiers.documents import downloads, services, signature_checks, store
from motcua_onestop.dossiers.documents.models import DossierDocument
from motcua_onestop.dossiers.documents.schemas import (
    DocumentUploadSchema,
    DossierDocumentSchema,
    KeptDocumentSchema,
    ReuseSchema,
)
from motcua_onestop.dossiers.documents.web_checks import signature_checking
from motcua_onestop.dossiers.http import OFFICER_ROLES

blp = Blueprint(
    "dossier_documents",
    __name__,
    url_prefix="/api/v1",
    realm="tenant",
    description="Documents of a dossier: components (checked by content, stored with a SHA-256), results.",
)

# Room for the multipart envelope (boundaries, part headers, the small form fields) around the file.
MULTIPART_ALLOWANCE = 64 * 1024


@blp.before_request
def limit_upload_size():
    """Uploads may be larger than MOTCUA_MAX_BODY_BYTES, up to the file limit plus the envelope. A body
    announced larger than that is refused before a byte of it is read; one without a length is cut off by
    the same limit while it is read."""
    if request.endpoint == "dossier_documents.upload_document":
        limit = runtime().config.upload_max_bytes + MULTIPART_ALLOWANCE
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            raise services.PayloadTooLarge(
                _("The request body is larger than %(limit)s bytes.", limit=limit),
                {
                    "file": [
                        _("At most %(upload_max_bytes)s bytes.", upload_max_bytes=runtime().config.upload_max_bytes)
                    ]
                },
            )


def _is_citizen() -> bool:
    secret = bearer_secret()
    return secret is not None and is_citizen_secret(secret)


def _requester() -> services.Requester:
    if _is_citizen():
        return services.Requester(citizen_account_id=current_citizen().id)
    return services.Requester(officer_units=frozenset(current_principal().units_with(*OFFICER_ROLES)))


def _objects():
    return tenant_objects(runtime().config, current_tenant().slug)


def _view(code: str, document: DossierDocument) -> dict:
    return {
        **{c.key: getattr(document, c.key) for c in DossierDocument.__table__.columns if c.key != "storage_key"},
        "download": f"/api/v1/dossiers/{code}/documents/{document.id}/content",
        "signature_check": _check_view(document.signature_check),
    }


def _check_view(check: dict | None) -> dict | None:
    if check is None:
        return None
    signatures = [{**s, "reasons": signature_checks.reasons(s)} for s in check.get("signatures", [])]
    return {**check, "signatures": signatures}


@blp.route("/dossiers/<code>/documents", methods=["POST"])
@blp.arguments(DocumentUploadSchema, location="form_and_files")
@blp.response(201, DossierDocumentSchema)
@blp.alt_response(
    200, schema=DossierDocumentSchema, description="The same bytes were already there: nothing new stored."
)
@blp.alt_response(409, description="The dossier's status takes no documents of this kind.")
@blp.alt_response(413, description="The file is larger than MOTCUA_UPLOAD_MAX_BYTES.")
@blp.doc(security=STAFF_OR_CITIZEN_SECURITY)
def upload_document(form, code):
    """Add a document to the dossier (officers of its units). A component names the required document it
    answers (index or name); a new file for the same component supersedes the old one, which is kept. A
    result (kind=result) may be attached while the dossier is processing (4) or done (9). The type is
    taken from the file's content: PDF, JPEG or PNG. Sending the same bytes again returns the stored
    document (200) and stores or bills nothing twice."""
    session = tenant_session()
    kind = form["kind"]
    action = services.ADD_COMPONENT if kind == "component" else services.ADD_RESULT
    requester = _requester()
    dossier = services.authorize(session, code, requester, action, lock=True)
    citizen = requester.citizen_account_id is not None
    upload = services.spool(form["file"].stream, runtime().config.upload_max_bytes)
    objects = _objects()
    try:
        document, created = services.add_document(
            session,
            objects,
            citizen_actor() if citizen else actor(),
            dossier,
            upload,
            # digitised means an officer scanned the paper original; a citizen's upload never is
            services.NewDocument(kind, form["file"].filename, form.get("component"), form["digitised"] and not citizen),
            tenant_slug=current_tenant().slug,
            signatures=signature_checking(),
        )
    finally:
        upload.close()
    # committed here rather than at the request's end: should the commit fail, the stored object goes too
    services.commit_or_discard(session, objects, document, created)
    return _view(code, document), 201 if created else 200


@blp.route("/dossiers/<code>/documents/<int:document_id>/digitised", methods=["POST"])
@blp.response(200, DossierDocumentSchema)
@blp.alt_response(409, description="Not a current component, or the dossier's status takes no more components.")
def mark_digitised(code, document_id):
    """Mark a component as scanned from the paper original (officers of its units), for a file uploaded
    before the officer saw the original; marking it again changes nothing. No If-Match, as for an upload."""
    session = tenant_session()
    dossier = services.authorize(session, code, _requester(), services.ADD_COMPONENT, lock=True)
    document, _changed = services.mark_digitised(session, actor(), dossier, document_id)
    return _view(code, document)


@blp.route("/dossiers/<code>/documents")
@blp.response(200, DossierDocumentSchema(many=True))
@blp.doc(security=STAFF_OR_CITIZEN_SECURITY)
def list_documents(code):
    """Every document of the dossier, superseded ones included, oldest first (officers of its units)."""
    session = tenant_session()
    dossier = services.authorize(session, code, _requester(), services.READ)
    return [_view(code, d) for d in services.list_documents(session, dossier)]


@blp.route("/dossiers/<code>/documents/<int:document_id>/content")
@blp.doc(
    security=STAFF_OR_CITIZEN_SECURITY,
    responses={"200": {"description": "The stored bytes", "content": {"application/octet-stream": {}}}},
)
def download_document(code, document_id):
    """The document's bytes, with the content type found at upload, as an attachment under its sanitised
    name. The ETag is the SHA-256."""
    session = tenant_session()
    dossier = services.authorize(session, code, _requester(), services.READ)
    document = services.get_document(session, dossier, document_id)
    return downloads.attachment(session, _objects(), document)


@blp.route("/dossiers/<code>/documents/reuse", methods=["POST"])
@blp.arguments(ReuseSchema)
@blp.response(201, DossierDocumentSchema)
@blp.alt_response(200, schema=DossierDocumentSchema, description="That document was already the answer.")
@blp.doc(security=CITIZEN_SECURITY)
def reuse_document(body, code):
    """Give again one of your kept documents as a component of your dossier (while it waits for intake or a
    supplement), instead of uploading the same file: it must be of the same kind as the required document.
    QĐ 766 item 4.3 counts the dossiers that reuse one."""
    session = tenant_session()
    citizen = current_citizen()
    dossier = services.authorize(
        session, code, services.Requester(citizen_account_id=citizen.id), services.ADD_COMPONENT, lock=True
    )
    objects = _objects()
    document, created = services.give_again(
        session,
        objects,
        citizen_actor(),
        dossier,
        citizen.id,
        body["kept_id"],
        body["component"],
        max_bytes=runtime().config.upload_max_bytes,
        tenant_slug=current_tenant().slug,
        signatures=signature_checking(),
    )
    services.commit_or_discard(session, objects, document, created)
    return _view(code, document), 201 if created else 200


@blp.route("/my/documents")
@blp.response(200, KeptDocumentSchema(many=True))
@blp.doc(security=CITIZEN_SECURITY)
def kept_documents():
    """Your kept documents, newest first: the current components of your dossiers and the results ready."""
    return store.kept(tenant_session(), current_citizen().id)


@blp.route("/my/documents/<int:kept_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=CITIZEN_SECURITY)
def forget_document(kept_id):
    """Remove a kept document from your list (the dossier it came from keeps it); 409 while a dossier not
    finished uses it."""
    store.forget(tenant_session(), citizen_actor(), current_citizen().id, kept_id)
