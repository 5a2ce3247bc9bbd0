"""Intake from the national public-service portal (DVCQG): a dossier a citizen submitted there arrives as a
signed request, and becomes an online dossier (status 1, awaiting an officer's intake) through the same
``intake`` as every other channel. The portal's own dossier id is kept beside ours: the same id sent again
is answered with the dossier already made, never a second one (docs/integrations.md).

The request is refused, with nothing written, unless the province's national sync is on and the body is
signed with its secret (``national_sync.signing``): the signature is checked before the body is read."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.errors import InvalidInput, Unauthorized
from motcua_platform.i18n import _
from motcua_platform.inputs import load_json
from motcua_platform.plugins.engine import PluginRegistry
from motcua_platform.tenant_context import TenantContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.dossiers.models import Channel, Dossier
from motcua_onestop.national_sync import settings as sync_settings
from motcua_onestop.national_sync import signing
from motcua_onestop.national_sync.models import NationalIntake
from motcua_onestop.units.models import Unit

PORTAL = Actor("system", None, "national-portal")
TEXT_FIELDS = {"MaHoSoQuocGia": 100, "MaTTHC": 40, "MaDonViTiepNhan": 40, "ChuHoSo": 200}
OPTIONAL_TEXT_FIELDS = {"SoGiayToChuHoSo": 20, "LienHe": 200}


@dataclass(frozen=True)
class Received:
    dossier: Dossier
    national_id: str
    created: bool  # False: the portal sent this dossier before, and this is the one made then


def receive(
    session: Session,
    registry: PluginRegistry,
    tenant: TenantContext,
    body: bytes,
    signature: str | None,
    *,
    now: dt.datetime | None = None,
) -> Received:
    settings = sync_settings.current(session)
    if settings is None or not settings.enabled:
        raise Unauthorized(_("This province does not take dossiers from the national portal."))
    try:
        signing.verify(settings.secret, body, signature)
    except signing.BadSignature:
        raise Unauthorized(_("The request is not signed with the province's national portal secret.")) from None
    fields = _fields(body)
    national_id = fields["MaHoSoQuocGia"]
    # Two deliveries of the same dossier at once: the second waits here for the first to commit, then
    # finds its dossier (a transaction-scoped lock, gone with the commit or rollback).
    session.execute(
        select(
            func.pg_advisory_xact_lock(
                func.hashtextextended(f"national_intake:{session.binding.schema}:{national_id}", 0)
            )
        )
    )
    known = session.scalar(select(Dossier).join(NationalIntake).where(NationalIntake.national_id == national_id))
    if known is not None:
        return Received(known, national_id, created=False)
    unit_id = session.scalar(select(Unit.id).where(Unit.code == fields["MaDonViTiepNhan"]))
    if unit_id is None:
        raise InvalidInput(_("The dossier was not received."), {"MaDonViTiepNhan": [_("No such unit.")]})
    data = intake.Intake(
        procedure_code=fields["MaTTHC"],
        receiving_unit_id=unit_id,
        channel=Channel.ONLINE,
        applicant_name=fields["ChuHoSo"],
        form=fields["DuLieuBieuMau"],
        applicant_citizen_id=fields.get("SoGiayToChuHoSo"),
        applicant_contact=fields.get("LienHe"),
        # the national portal's own sign-in checked the applicant against VNeID (its sync field's name)
        identity_verified=fields.get("TaiKhoanDuocXacThucVoiVNeID") in (1, True),
        # the history's own language, as the statuses' names (the officer reads it in the province)
        note=f"Nộp trên Cổng Dịch vụ công quốc gia, mã {national_id}",
    )
    # the national portal acknowledges to the citizen itself: no account here, so no message from us
    dossier = intake.intake(session, PORTAL, None, registry, tenant, data, now=now)
    session.add(NationalIntake(national_id=national_id, dossier_id=dossier.id))
    record(session, PORTAL, "dossier.national_intake", target=f"dossier:{dossier.code}", national_id=national_id)
    session.flush()
    return Received(dossier, national_id, created=True)


def _fields(body: bytes) -> dict:
    """The request's fields, every problem reported at once."""
    try:  # the API's one reader of untrusted JSON: NaN, NUL, lone surrogates and deep nesting are refused there
        fields = load_json(body)
    except json.JSONDecodeError:
        raise InvalidInput(_("The request body is not JSON.")) from None
    if not isinstance(fields, dict):
        raise InvalidInput(_("The request body must be a JSON object."))
    errors: dict[str, list] = {}
    for name, length in (TEXT_FIELDS | OPTIONAL_TEXT_FIELDS).items():
        value = fields.get(name)
        if value is None and name in OPTIONAL_TEXT_FIELDS:
            continue
        if not isinstance(value, str) or not value.strip():
            errors[name] = [_("This field is required.")]
        elif len(value) > length:
            errors[name] = [_("At most %(length)s characters.", length=length)]
    if not isinstance(fields.get("DuLieuBieuMau"), dict):
        errors["DuLieuBieuMau"] = [_("The application form, as a JSON object.")]
    unknown = set(fields) - set(TEXT_FIELDS) - set(OPTIONAL_TEXT_FIELDS) - {"DuLieuBieuMau"}
    for name in sorted(unknown):
        errors[name] = [_("Unknown field.")]
    if errors:
        raise InvalidInput(_("The dossier was not received."), errors)
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
