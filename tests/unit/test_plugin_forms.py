"""The built-in plugins' forms validate real rules, report every error at once, in Vietnamese."""

import datetime as dt

import pytest
from motcua_platform.errors import InvalidInput
from motcua_platform.plugins.forms import form_json_schema, validate_form
from motcua_plugins.civil_status import forms as civil
from motcua_plugins.construction import forms as construction
from motcua_plugins.household_business.plugin import HouseholdBusinessPlugin
from motcua_plugins.land.plugin import LandPlugin

APPLICANT = {
    "full_name": "Nguyễn Thị Hoa",
    "citizen_id": "066190001234",
    "date_of_birth": "1990-05-01",
    "address": "Phường Buôn Ma Thuột, Đắk Lắk",
    "phone": "0912345678",
}


def errors_of(schema, data):
    with pytest.raises(InvalidInput) as info:
        validate_form(schema, data)
    return info.value.errors


def test_birth_registration_accepts_a_complete_form():
    data = validate_form(
        civil.BirthRegistrationForm,
        {
            "applicant": APPLICANT,
            "relationship": "me",
            "child_full_name": "Nguyễn Minh An",
            "child_date_of_birth": "2026-11-01",
            "child_sex": "nam",
            "place_of_birth": "Bệnh viện Đa khoa tỉnh",
            "mother_full_name": "Nguyễn Thị Hoa",
        },
    )
    assert data["child_date_of_birth"] == dt.date(2026, 11, 1) and data["nationality"] == "Việt Nam"


def test_every_problem_is_reported_at_once_in_vietnamese():
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    errors = errors_of(
        civil.BirthRegistrationForm,
        {
            "applicant": {**APPLICANT, "citizen_id": "12345", "date_of_birth": "ngày mai"},
            "relationship": "hàng xóm",
            "child_full_name": "  ",
            "child_date_of_birth": tomorrow,
            "child_sex": "x",
            "place_of_birth": "Nhà",
            "unexpected": 1,
        },
    )
    assert errors["applicant"]["citizen_id"] == ["Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số."]
    assert errors["applicant"]["date_of_birth"] == ["Ngày không hợp lệ (định dạng YYYY-MM-DD)."]
    assert errors["child_date_of_birth"] == ["Ngày không được ở tương lai."]
    assert errors["child_full_name"] == ["Không được để trống."]
    assert errors["mother_full_name"] == ["Trường này là bắt buộc."]
    assert errors["unexpected"] == ["Trường không được phép."]
    assert {"relationship", "child_sex"} <= set(errors)


def test_marriage_needs_legal_age_and_two_people():
    errors = errors_of(
        civil.MarriageRegistrationForm,
        {
            "husband_full_name": "A",
            "husband_citizen_id": "001200000001",
            "husband_date_of_birth": "2010-01-01",
            "wife_full_name": "B",
            "wife_citizen_id": "001200000001",
            "wife_date_of_birth": "1995-01-01",
            "residence": "Huế",
        },
    )
    assert errors == {
        "husband_date_of_birth": ["Chưa đủ 20 tuổi để đăng ký kết hôn."],
        "wife_citizen_id": ["Số CCCD của hai bên không được trùng nhau."],
    }


def test_construction_floor_area_must_be_positive():
    errors = errors_of(
        construction.NewPermitForm,
        {
            "owner": APPLICANT,
            "land_parcel": "Thửa 12, tờ 5",
            "land_certificate_number": "CS 01234",
            "site_address": "Xã Ea Kar",
            "site_area_m2": 100,
            "floor_area_m2": 0,
            "floors": 9,
            "height_m": -1,
        },
    )
    assert errors["floor_area_m2"] == ["Phải lớn hơn 0."]
    assert errors["height_m"] == ["Phải lớn hơn 0."]
    assert errors["floors"] == ["Số tầng phải từ 1 đến 7."]


def test_household_registration_fee_is_halved_online():
    procedure = HouseholdBusinessPlugin().procedure("registration")
    base = {
        "owner": APPLICANT,
        "business_name": "Tạp hóa Hoa",
        "address": "Chợ Buôn Ma Thuột",
        "business_lines": ["Bán lẻ"],
        "capital_vnd": 50_000_000,
    }
    at_counter = procedure.fee_calculator(
        validate_form(procedure.form, base), procedure, {"online_discount_percent": 50}
    )
    online = procedure.fee_calculator(
        validate_form(procedure.form, {**base, "submitted_online": True}), procedure, {"online_discount_percent": 50}
    )
    assert [f.amount for f in at_counter] == [100_000]
    assert [f.amount for f in online] == [50_000]


def test_land_registration_duty_and_close_relative_exemption():
    land = LandPlugin()
    parcel = {"map_sheet": "5", "parcel_number": "120", "area_m2": 150.5, "address": "Rạch Giá", "land_use": "ODT"}
    transfer = {
        "applicant": APPLICANT,
        "counterparty_full_name": "Trần Văn B",
        "counterparty_citizen_id": "091080009999",
        "certificate_number": "DA 123456",
        "parcel": parcel,
        "declared_value_vnd": 2_000_000_000,
    }
    sale = land.procedure("transfer")
    fees = sale.fee_calculator(validate_form(sale.form, {**transfer, "contract_number": "HĐ 15/2026"}), sale, {})
    assert [(f.name, f.amount) for f in fees] == [
        ("Lệ phí cấp Giấy chứng nhận", 50_000),
        ("Lệ phí trước bạ nhà, đất", 10_000_000),
    ]
    gift = land.procedure("gift")
    fees = gift.fee_calculator(
        validate_form(gift.form, {**transfer, "contract_number": "HĐ 16/2026", "relationship": "cha_me_con"}), gift, {}
    )
    assert fees[-1].amount == 0 and "Miễn" in fees[-1].note


def test_form_is_described_as_json_schema():
    schema = form_json_schema(civil.ExtractCopyForm)
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"applicant", "event", "copies"}


def _untitled(schema: dict, path: str = "") -> list[str]:
    """Every property of ``schema`` (nested ones and list items too) that lacks a Vietnamese or an English
    title, or a choice (other than yes / no) without its words in both languages."""
    missing = []
    for name, node in (schema.get("properties") or {}).items():
        where = f"{path}{name}"
        if not (node.get("title") and node.get("x-title-en")):
            missing.append(where)
        if (
            "enum" in node
            and node.get("type") != "boolean"
            and not all(set(node["enum"]) <= set(node.get(key) or {}) for key in ("x-enum-titles", "x-enum-titles-en"))
        ):
            missing.append(f"{where} (choices)")
        for inner in (node, node.get("items") or {}):
            missing += _untitled(inner, f"{where}.")
    return missing


def test_every_field_of_every_plugins_form_has_a_title_in_both_languages():
    from motcua_platform.plugins.engine import load_plugins

    untitled = {
        f"{plugin.name} {procedure.code}": problems
        for plugin in load_plugins()
        for procedure in plugin.procedures
        if (problems := _untitled(form_json_schema(procedure.form)))
    }
    assert not untitled, untitled
