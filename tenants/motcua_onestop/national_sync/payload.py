"""The sync record of one dossier as the national portal reads it (docs/integrations.md): the field names of
the DVCQG sync payload (research notes, section 2), built from the dossier, its procedure version, its
receiving unit and its status history. A pure function: no session, no clock.

Dates are Vietnam local time written ``yyyyMMddHHmmss``, the form the reference implementation sends; a
date that does not apply yet is null. The official specification was not available (the notes mark these
names as seen in code, not in a published document): a change of form is made here only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from motcua_platform.timezones import VIETNAM

# KenhThucHien: 1 in person, 2 online, 3 public postal service (BCCI)
CHANNEL_CODES = {"counter": 1, "online": 2, "postal": 3}
REFUSED = 3  # closed_status of a dossier refused at intake (NgayTuChoi)
SUPPLEMENT = 5  # status while documents are asked for (NgayYeuCauBoSung)
# DuocThanhToanTrucTuyen: 0 not paid online, 1 through the DVCQG payment platform, 2 a provincial gateway
NOT_PAID_ONLINE = 0
PROVINCIAL_GATEWAY = 2  # the province's own gateway (the payments area, ADR 0047)
# who acted, as the national portal's history shows it (never a person's name or account)
ACTORS = {"officer": "Cán bộ", "citizen": "Công dân", "system": "Hệ thống"}


def national_date(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def build(
    dossier: Any,
    procedure: Any,
    unit: Any,
    history: Iterable[Mapping[str, Any]],
    *,
    paid_online: int | None = None,
    result_file: Mapping[str, Any] | None = None,
) -> dict:
    """The record of ``dossier`` now. ``history``: its status changes, oldest first, as its owner sees them
    (``dossiers.services.citizen_history``: action, from and to status, who as a role, the comment meant
    for the applicant, when). ``paid_online``: by default from the dossier's own record of how it was paid
    (2 when paid online through the province's gateway, else 0). The identity flag is the dossier's own:
    submitted after a sign-in with national identity. ``result_file``: the dossier's current result document,
    ``{"signed": bool, "sha256": hex}`` (``signed``: digitally signed at a signature step, ADR 0062): a
    signed result is the electronic result in law; none while there is no result file."""
    if paid_online is None:
        paid_online = PROVINCIAL_GATEWAY if getattr(dossier, "payment_method", None) == "online" else NOT_PAID_ONLINE
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": procedure.code,
        "TenTTHC": procedure.name_vi,
        "TenLinhVuc": procedure.field,
        "KenhThucHien": CHANNEL_CODES[dossier.channel],
        "DonViXuLy": unit.code,
        "TenDonViXuLy": unit.name,
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": dossier.applicant_citizen_id,
        "NgayNopHoSo": national_date(dossier.submitted_at),
        "NgayTiepNhan": national_date(dossier.received_at),
        "NgayHenTra": national_date(dossier.effective_due_at),
        "NgayYeuCauBoSung": national_date(dossier.paused_at) if dossier.status == SUPPLEMENT else None,
        "NgayKetThucXuLy": national_date(dossier.finished_at),
        "NgayTra": national_date(dossier.returned_at),
        "NgayTuChoi": national_date(dossier.closed_at) if dossier.closed_status == REFUSED else None,
        "TrangThaiHoSo": int(dossier.status),
        "HoSoCoThanhPhanSoHoa": int(bool(dossier.has_digitised_components)),
        "CoKetQuaDienTu": int(bool(dossier.has_result_file)),
        # the electronic result: signed (KetQuaDaKySo) and which file (its SHA-256), as the citizen downloads it
        "KetQuaDaKySo": int(bool(result_file and result_file["signed"])),
        "MaBamKetQua": result_file["sha256"] if result_file else None,
        "TaiKhoanDuocXacThucVoiVNeID": int(bool(dossier.identity_verified)),
        "DuocThanhToanTrucTuyen": paid_online,
        "QuaTrinhXuLy": [
            {
                "NguoiXuLy": ACTORS.get(entry["by"], ACTORS["system"]),
                "NoiDungXuLy": entry["action"],
                "TrangThaiTruoc": entry["from_status"],
                "TrangThai": entry["to_status"],
                "GhiChu": entry["comment"],
                "ThoiDiemXuLy": national_date(entry["at"]),
            }
            for entry in history
        ],
    }
