"""Form fields shared by the built-in plugins."""

import datetime as dt

from marshmallow import ValidationError, fields, validate
from motcua_platform.plugins.forms import CITIZEN_ID, FormSchema, not_blank


def not_in_future(value: dt.date) -> None:
    if value > dt.date.today():
        raise ValidationError("Ngày không được ở tương lai.")


def positive(value) -> None:
    if value is None or value <= 0:
        raise ValidationError("Phải lớn hơn 0.")


def title(vi: str, en: str, **more) -> dict:
    """A field's labels as the portal and the consoles draw them: JSON Schema ``title`` (Vietnamese, the
    form's language), ``x-title-en`` (English), and any more (``x-enum-titles``, ``x-enum-titles-en``)."""
    return {"title": vi, "x-title-en": en, **more}


def choices(vi: dict[str, str], en: dict[str, str]) -> dict:
    """The words for each allowed value of a field, in both languages."""
    return {"x-enum-titles": vi, "x-enum-titles-en": en}


class ApplicantSchema(FormSchema):
    """Người nộp hồ sơ (applicant)."""

    full_name = fields.String(
        required=True,
        validate=[not_blank, validate.Length(max=200)],
        metadata={"title": "Họ và tên", "x-title-en": "Full name"},
    )
    citizen_id = fields.String(
        required=True, validate=CITIZEN_ID, metadata={"title": "Số CCCD", "x-title-en": "CCCD number"}
    )
    date_of_birth = fields.Date(
        required=True, validate=not_in_future, metadata={"title": "Ngày sinh", "x-title-en": "Date of birth"}
    )
    phone = fields.String(
        validate=validate.Regexp(r"^0\d{9}$", error="Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0."),
        metadata={"title": "Số điện thoại", "x-title-en": "Phone number"},
    )
    address = fields.String(
        required=True,
        validate=[not_blank, validate.Length(max=300)],
        metadata={"title": "Nơi cư trú", "x-title-en": "Place of residence"},
    )


def applicant():
    return fields.Nested(ApplicantSchema, required=True, metadata={"title": "Người yêu cầu", "x-title-en": "Applicant"})
