"""The province's register of signing certificates on its tenant host (``registry``): the province's
tenant admin lists it, registers the seal's certificate and officers' certificates, and retires one; every
staff member reads their own. Each change is audited by the registry in the request's transaction."""

from __future__ import annotations

from motcua_platform.auth.models import StaffRoleName
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Forbidden, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.signatures import registry
from motcua_platform.signatures.schemas import (
    OfficerCertificateSchema,
    SealCertificateSchema,
    SigningCertificateSchema,
)
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import tenant_session
from motcua_platform.web.principals import actor, current_principal, province_principal

blp = Blueprint(
    "signing_certificates",
    __name__,
    url_prefix="/api/v1/signing-certificates",
    realm="tenant",
    description="The province's register of signing certificates: the agency's seal and its officers' "
    "(tenant admin of the province; an officer reads their own).",
)

ADMIN = StaffRoleName.TENANT_ADMIN


def _field(name: str, error: InvalidInput | NotFound) -> InvalidInput:
    """The registry's refusal, tied to the body's field it is about (the message is the registry's)."""
    return InvalidInput(error.message, {name: [error.message]})


@blp.route("")
@blp.response(200, SigningCertificateSchema(many=True))
def register():
    """Every registered certificate, retired ones included (documents signed with them are still checked
    against them): those in use first, the seal before the officers'."""
    province_principal(ADMIN)
    return registry.entries(tenant_session())


@blp.route("/mine")
@blp.response(200, SigningCertificateSchema(many=True))
def own_certificates():
    """The certificates registered for the caller's own staff account (any staff role)."""
    principal = current_principal()
    if principal.kind != "staff":
        raise Forbidden(_("This action is for staff accounts."))
    return registry.entries(tenant_session(), staff_id=principal.id)


@blp.route("/<int:certificate_id>")
@blp.response(200, SigningCertificateSchema)
def certificate(certificate_id):
    """One registered certificate."""
    province_principal(ADMIN)
    return registry.entry(tenant_session(), certificate_id)


@blp.route("/seal", methods=["POST"])
@blp.arguments(SealCertificateSchema)
@blp.response(201, SigningCertificateSchema)
def register_seal(body):
    """Register the certificate of the agency's seal. The seal registered before, if any, is retired in the
    same transaction (a renewal). Audited as `signing.seal_registered`."""
    province_principal(ADMIN)
    session = tenant_session()
    try:
        row = registry.register_seal(
            session, registry.certificate_from_text(body["certificate_pem"]), actor=actor(), now=utcnow()
        )
    except InvalidInput as error:
        raise _field("certificate_pem", error) from None
    return registry.entry(session, row.id)


@blp.route("/officers", methods=["POST"])
@blp.arguments(OfficerCertificateSchema)
@blp.response(201, SigningCertificateSchema)
def register_officer(body):
    """Register a certificate an active staff account signs with (an officer may hold several, e.g. across a
    renewal). An unknown or inactive account is a 422 on `staff_id`. Audited as
    `signing.officer_certificate_registered`."""
    province_principal(ADMIN)
    session = tenant_session()
    data = registry.certificate_from_text(body["certificate_pem"])
    try:
        row = registry.register_officer_certificate(
            session, data, staff_id=body["staff_id"], actor=actor(), now=utcnow()
        )
    except InvalidInput as error:
        raise _field("certificate_pem", error) from None
    except NotFound as error:
        raise _field("staff_id", error) from None
    return registry.entry(session, row.id)


@blp.route("/<int:certificate_id>/retire", methods=["POST"])
@blp.response(200, SigningCertificateSchema)
def retire(certificate_id):
    """Stop using a certificate; it stays in the register, since documents signed with it are checked
    against it for years. Retiring a retired one changes nothing. Audited as `signing.certificate_retired`."""
    province_principal(ADMIN)
    session = tenant_session()
    registry.retire(session, certificate_id, actor=actor(), now=utcnow())
    return registry.entry(session, certificate_id)
