"""Printable forms on a tenant host: forms 01–06 of one dossier (officers of its units), the forms addressed
to the applicant (01–05) for the dossier's owner, and the register, form 07, of one unit between two dates
(officers and admins of that unit or a unit above it). The province's tenant admin may reword any form: its
own template replaces the shipped one.

An officer of the dossier's receiving unit issues a form sealed with the agency's seal (``forms.signing``):
stored, and what the owner downloads from then on; the register is sealed on the fly, not stored."""

from flask import Response
from flask.views import MethodView
from marshmallow import fields
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.errors import Forbidden, NotFound
from motcua_platform.i18n import _
from motcua_platform.rendering.pdf import find_font
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import runtime, tenant_context, tenant_session
from motcua_platform.web.principals import CITIZEN_SECURITY, actor, current_principal, province_principal
from motcua_platform.web.schema import Schema

from motcua_onestop.citizens.api import current_citizen
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import web_checks
from motcua_onestop.dossiers.forms import overrides, services, signing
from motcua_onestop.dossiers.forms.models import IssuedForm
from motcua_onestop.dossiers.forms.schemas import FormTemplateSchema, FormTemplateSummarySchema, IssuedFormSchema
from motcua_onestop.dossiers.http import caller_units

blp = Blueprint(
    "dossier_forms",
    __name__,
    url_prefix="/api/v1",
    realm="tenant",
    description="Printable forms of TT 03/2025 (01–07) as Vietnamese PDFs with a TT 01/2023 QR code.",
)

PDF = {"description": "The form as PDF", "content": {"application/pdf": {}}}
FORM_DOC = {"responses": {"200": PDF, "409": {"description": "The form does not apply to the dossier's state."}}}
REGISTER_DOC = {"responses": {"200": PDF}}
SIGNED_PDF = {"description": "The form sealed with the agency's seal (PAdES)", "content": {"application/pdf": {}}}
NO_SEAL = (
    "The form does not apply to the dossier's state; or the agency's seal is not registered, its key is not set "
    "up (signing.toml), or the key is not the registered certificate's: nothing is stored."
)


class RegisterArgsSchema(Schema):
    unit_id = fields.Integer(required=True)
    since = fields.Date(required=True, data_key="from", metadata={"description": "First day (inclusive)."})
    until = fields.Date(required=True, data_key="to", metadata={"description": "Last day (inclusive)."})


def _font():
    return find_font(runtime().config.pdf_font)


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@blp.route("/dossiers/<code>/forms/<number>.pdf")
@blp.doc(**FORM_DOC)
def dossier_form(code, number):
    """Form 01–06 of the dossier (officers of its units): 01 receipt and appointment, 02 supplement request,
    03 refusal, 04 apology and extension request, 05 notice of stopped processing, 06 control slip. A form
    that does not fit the dossier's state is a 409 saying why."""
    session = tenant_session()
    dossier = dossiers.get_dossier(session, code, caller_units())
    body = services.render_form(session, dossier, number, tenant_context(), font=_font())
    return _pdf(body, f"{dossier.code}-mau-{number}.pdf")


@blp.route("/my/dossiers/<code>/forms/<number>.pdf")
@blp.doc(**FORM_DOC)
@blp.doc(security=CITIZEN_SECURITY)
def own_dossier_form(code, number):
    """Form 01–05 of one's own dossier (citizen token): 01 receipt and appointment, 02 supplement request,
    03 refusal, 04 apology and extension, 05 notice of stopped processing, each when it applies (409
    otherwise). 06 is the administration's control slip: 403. Someone else's dossier: 404."""
    citizen = current_citizen()
    services.check_applicant_form(number)
    session = tenant_session()
    dossier = dossiers.get_own_dossier(session, code, citizen.id)
    # the newest copy the office issued sealed, when there is one; else the form as it prints now
    body = signing.applicant_copy(session, _objects(), dossier, number, tenant_context(), font=_font())
    return _pdf(body, f"{dossier.code}-mau-{number}.pdf")


def _objects():
    return tenant_objects(runtime().config, tenant_context().slug)


def issued_view(issue: IssuedForm, code: str) -> dict:
    tenant = tenant_context()
    return {
        "id": issue.id,
        "number": issue.number,
        "dossier_code": code,
        "sha256": issue.sha256,
        "size_bytes": issue.size_bytes,
        "fingerprint": issue.fingerprint,
        "signer_name": issue.signer_name,
        "issued_by": issue.issued_by,
        "issued_at": issue.issued_at,
        "verify_url": services.issuer_of(tenant).verify_url(issue.verify_token),
        "download": f"/api/v1/dossiers/{code}/forms/{issue.number}/signed.pdf",
        "signature_check": issue.signature_check,
    }


@blp.route("/dossiers/<code>/forms/<number>/signature", methods=["POST"])
@blp.response(201, IssuedFormSchema)
@blp.alt_response(403, description="Not an officer of the unit that received the dossier.")
@blp.alt_response(404, description="No such dossier in the caller's units, or no such form.")
@blp.alt_response(409, description=NO_SEAL)
@blp.alt_response(422, description="The seal's key could not be used (e.g. a wrong passphrase): nothing was signed.")
def sign_dossier_form(code, number):
    """Issue form 01–06 of the dossier sealed with the agency's seal (an officer of the unit that received it):
    rendered now, with the public verification address of this copy in its QR code, signed (PAdES, a visible
    stamp naming the seal's holder, the unit and the time) and stored; the dossier's owner downloads this copy
    from then on. Audited as ``dossier.form_signed``."""
    principal = current_principal()
    session = tenant_session()
    dossier = dossiers.get_dossier(session, code, caller_units(), lock=True)
    objects = _objects()
    issue = signing.issue_form(
        session,
        objects,
        actor(),
        principal.id,
        caller_units(),
        dossier,
        number,
        tenant_context(),
        config=runtime().config,
        font=_font(),
    )
    # committed here, not at the request's end: should the commit fail, the signed copy's object goes too
    signing.commit_or_discard(session, objects, issue)
    web_checks.recheck_issued_form(issue.id, issue.signature_check)
    return issued_view(issue, dossier.code), 201


@blp.route("/dossiers/<code>/forms/<number>/signed.pdf")
@blp.doc(responses={"200": SIGNED_PDF, "404": {"description": "The form was never issued signed."}})
def signed_dossier_form(code, number):
    """The newest sealed issue of form 01–06 of the dossier (officers of its units); 404 when none was issued."""
    session = tenant_session()
    dossier = dossiers.get_dossier(session, code, caller_units())
    issue = signing.latest_issue(session, dossier, number)
    if issue is None:
        raise NotFound(_("Form %(number)s of dossier %(code)s was never issued signed.", number=number, code=code))
    return _pdf(signing.read_issue(_objects(), issue), f"{dossier.code}-mau-{number}-da-ky.pdf")


@blp.route("/register.pdf")
@blp.arguments(RegisterArgsSchema, location="query")
@blp.doc(**REGISTER_DOC)
def register(args):
    """Form 07, the dossier register of a unit: dossiers submitted to it between two days (inclusive, at
    most a year), for officers and admins of that unit or a unit above it."""
    session = tenant_session()
    unit_id = args["unit_id"]
    if unit_id not in dossiers.officer_units(session, caller_units()):
        raise Forbidden(_("Only an officer or admin of this unit (or a unit above it) may print its register."))
    body = services.render_register(session, unit_id, args["since"], args["until"], tenant_context(), font=_font())
    return _pdf(body, f"so-theo-doi-{unit_id}-{args['since']:%Y%m%d}-{args['until']:%Y%m%d}.pdf")


@blp.route("/register/signature", methods=["POST"])
@blp.arguments(RegisterArgsSchema, location="query")
@blp.doc(responses={"200": SIGNED_PDF})
@blp.alt_response(403, description="Not an officer or admin of the unit or a unit above it.")
@blp.alt_response(409, description=NO_SEAL)
def sign_register(args):
    """Form 07, the register of a unit between two days (as ``GET /register.pdf``), sealed now with the
    agency's seal and returned, not stored. Audited as ``register.form_signed`` with the file's SHA-256."""
    session = tenant_session()
    unit_id = args["unit_id"]
    if unit_id not in dossiers.officer_units(session, caller_units()):
        raise Forbidden(_("Only an officer or admin of this unit (or a unit above it) may print its register."))
    body = signing.sign_register(
        session,
        actor(),
        unit_id,
        args["since"],
        args["until"],
        tenant_context(),
        config=runtime().config,
        font=_font(),
    )
    return _pdf(body, f"so-theo-doi-{unit_id}-{args['since']:%Y%m%d}-{args['until']:%Y%m%d}-da-ky.pdf")


# -- the province's own wording ----------------------------------------------------------------------
@blp.route("/form-templates")
@blp.response(200, FormTemplateSummarySchema(many=True))
def form_templates():
    """Forms 01–07 and which of them the province has reworded (tenant admin of the province)."""
    province_principal(StaffRoleName.TENANT_ADMIN)
    return overrides.list_all(tenant_session())


@blp.route("/form-templates/<number>")
class FormTemplateItem(MethodView):
    @blp.response(200, FormTemplateSchema)
    def get(self, number):
        """The template form ``number`` prints with: the province's own, else the shipped one, to start an
        edit from (tenant admin of the province)."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        return overrides.describe(tenant_session(), number)

    @blp.arguments(FormTemplateSchema)
    @blp.response(200, FormTemplateSchema)
    def put(self, body, number):
        """Print form ``number`` with the province's own template from now on. It is checked first: a
        template that does not parse, does not render with sample data or cannot be laid out is a 422 naming
        the line (tenant admin of the province)."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        session = tenant_session()
        overrides.save(session, actor(), number, body["template"], font=_font())
        return overrides.describe(session, number)

    @blp.response(204)
    def delete(self, number):
        """Back to the shipped template; 404 when the province has none of its own (tenant admin)."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        session = tenant_session()
        overrides.clear(session, actor(), number)
