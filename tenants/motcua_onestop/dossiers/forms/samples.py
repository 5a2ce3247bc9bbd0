"""Sample data a province's template is rendered with when it is saved: the same shape as the context of a
real form (a test keeps the two in step), with every optional field filled so each branch is tried."""

from __future__ import annotations

from typing import Any

from motcua_onestop.dossiers.forms.services import BASIS, FORMS


def _common(number: str, title: str) -> dict[str, Any]:
    return {
        "form": {"number": number, "title": title, "basis": BASIS, "landscape": number == "07"},
        "issuer": {
            "agency": "UBND TỈNH MẪU",
            "name": "Tỉnh Mẫu",
            "display_name": "Tỉnh Mẫu",
            "system": "Motcua Cloud - Tỉnh Mẫu",
        },
        "unit": {"name": "UBND xã Mẫu", "code": "000.00.00.H00"},
        "qr": "",  # replaced by a real QR code of the sample's payload
        "issued": {
            "date": "02/03/2026",
            "day": "02",
            "month": "03",
            "year": "2026",
            "place_date": "Ngày 02 tháng 03 năm 2026",
        },
    }


DOSSIER = {
    "code": "000.00.00.H00-260302-0001",
    "applicant_name": "Nguyễn Văn Mẫu",
    "applicant_citizen_id": "079090001111",
    "applicant_contact": "0912 345 678",
    "submitted_at": "08 giờ 30, ngày 02/03/2026",
    "received_at": "09 giờ 00, ngày 02/03/2026",
    "due_at": "17 giờ 00, ngày 09/03/2026",
    "extended_due_at": "17 giờ 00, ngày 12/03/2026",
    "appointment": "17 giờ 00, ngày 12/03/2026",
    "status": "Đang xử lý",
    "fees": [{"name": "Lệ phí", "amount": "50.000", "note": "miễn cho hộ nghèo"}],
    "total_fee": "50.000",
}
PROCEDURE = {
    "code": "1.000001",
    "name": "Thủ tục mẫu",
    "version": "1",
    "time_limit": "5 ngày làm việc",
    "documents": [{"name": "Tờ khai", "kind": "bản chính", "count": 1}],
}
EVENT = {"at": "10 giờ 00, ngày 03/03/2026", "comment": "Lý do mẫu"}


def sample_context(number: str, tracking_url: str = "https://mau.example.vn/track/000") -> dict[str, Any]:
    context = _common(number, FORMS[number])
    if number == "07":
        context |= {
            "period": {"since": "01/03/2026", "until": "31/03/2026"},
            "count": 1,
            "rows": [
                {
                    "index": 1,
                    "code": DOSSIER["code"],
                    "procedure": PROCEDURE["code"],
                    "applicant": DOSSIER["applicant_name"],
                    "received": "02/03/2026",
                    "due": "12/03/2026",
                    "returned": "11/03/2026",
                    "status": "Đã trả kết quả",
                }
            ],
        }
        return context
    context |= {"dossier": dict(DOSSIER), "procedure": dict(PROCEDURE), "tracking_url": tracking_url, "verify_url": ""}
    if number == "02":
        context["supplement"] = dict(EVENT)
    elif number == "03":
        context["refusal"] = dict(EVENT)
    elif number == "04":
        context["extension"] = {
            "reason": "Chờ kết quả xác minh",
            "apology": "Thành thật xin lỗi Ông/Bà.",
            "previous_due_at": "17 giờ 00, ngày 10/03/2026",
            "moved": True,
            "new_due_at": "17 giờ 00, ngày 12/03/2026",
            "at": "15 giờ 00, ngày 09/03/2026",
        }
    elif number == "05":
        context["stop"] = dict(EVENT)
    elif number == "06":
        context["history"] = [
            {
                "index": 1,
                "at": DOSSIER["received_at"],
                "action": "Tiếp nhận tại quầy",
                "actor": "staff:1:officer",
                "comment": "",
            }
        ]
    return context
