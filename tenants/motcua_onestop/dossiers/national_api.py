"""The national public-service portal's door on a tenant host: dossiers submitted there come in here, signed
with the province's national sync secret instead of a token (``dossiers.intake.national``)."""

from flask import request
from marshmallow import fields
from motcua_platform.plugins.engine import active
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import tenant_context, tenant_session
from motcua_platform.web.schema import Schema

from motcua_onestop.dossiers.intake import national
from motcua_onestop.national_sync import signing

blp = Blueprint(
    "national_portal",
    __name__,
    url_prefix="/api/v1/national-portal",
    realm="tenant",
    description="Dossiers submitted on the national public-service portal, signed with the province's secret.",
)


class NationalIntakeSchema(Schema):
    """What the national portal sends (JSON, signed): its dossier id, the procedure, the receiving unit's code,
    the applicant and the form."""

    MaHoSoQuocGia = fields.String(required=True, metadata={"description": "The national portal's dossier id."})
    MaTTHC = fields.String(required=True, metadata={"description": "The procedure's national code."})
    MaDonViTiepNhan = fields.String(required=True, metadata={"description": "The receiving unit's code."})
    ChuHoSo = fields.String(required=True)
    SoGiayToChuHoSo = fields.String(allow_none=True)
    LienHe = fields.String(allow_none=True)
    DuLieuBieuMau = fields.Dict(required=True, metadata={"description": "The procedure's application form."})


class NationalIntakeResultSchema(Schema):
    code = fields.String(metadata={"description": "Our dossier code (MaHoSo)."})
    national_id = fields.String()
    status = fields.Integer()
    created = fields.Boolean(metadata={"description": "False: this national id was received before."})


@blp.route("/dossiers", methods=["POST"])
@blp.doc(
    security=[],
    requestBody={"content": {"application/json": {"schema": NationalIntakeSchema}}},
    parameters=[{"in": "header", "name": signing.HEADER, "required": True, "schema": {"type": "string"},
                 "description": "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>' with the province's secret>"}],
)  # fmt: skip
@blp.response(201, NationalIntakeResultSchema)
@blp.alt_response(200, schema=NationalIntakeResultSchema, description="Received before: the same dossier.")
@blp.alt_response(401, description="Not signed with the province's secret, too old, or the sync is off.")
def receive_national_dossier():
    """Receive a dossier submitted on the national portal: an online dossier awaiting intake (status 1).
    The body is checked against `X-Motcua-Signature` before anything else (401, nothing written); the
    same `MaHoSoQuocGia` again is answered 200 with the dossier made the first time."""
    got = national.receive(
        tenant_session(), active(), tenant_context(), request.get_data(), request.headers.get(signing.HEADER)
    )
    result = {"code": got.dossier.code, "national_id": got.national_id, "status": got.dossier.status,
              "created": got.created}  # fmt: skip
    return result, 201 if got.created else 200
