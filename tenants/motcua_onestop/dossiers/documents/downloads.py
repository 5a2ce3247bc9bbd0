"""A dossier document as a download: the one answer the API's download route and the pages of the portal
and the consoles send for a file (an attachment under its sanitised name, never cached, never sniffed)."""

from __future__ import annotations

from flask import Response, send_file
from motcua_platform.storage.services import TenantObjects
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.documents import services
from motcua_onestop.dossiers.documents.models import DossierDocument


def attachment(session: Session, objects: TenantObjects, document: DossierDocument) -> Response:
    """The stored bytes of ``document``, streamed; ``session`` is closed first (nothing more is read from the
    database, so its connection goes back to the pool before a slow client reads the file)."""
    session.close()
    response = send_file(
        services.open_content(objects, document),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        etag=document.sha256,
        conditional=False,
        max_age=0,
    )
    response.content_length = document.size_bytes
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
