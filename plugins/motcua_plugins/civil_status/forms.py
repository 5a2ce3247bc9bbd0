from marshmallow import ValidationError, fields, validate, validates_schema
from motcua_platform.plugins.forms import CITIZEN_ID, FormSchema, not_blank

from motcua_plugins.common import applicant, choices, not_in_future, title

SEX = validate.OneOf(["nam", "nu"], error="Giới tính phải là 'nam' hoặc 'nu'.")


RELATIONSHIPS = {
    "cha": "Cha",
    "me": "Mẹ",
    "ong": "Ông",
    "ba": "Bà",
    "nguoi_than": "Người thân khác",
    "nguoi_duoc_uy_quyen": "Người được ủy quyền",
}
RELATIONSHIPS_EN = {
    "cha": "Father",
    "me": "Mother",
    "ong": "Grandfather",
    "ba": "Grandmother",
    "nguoi_than": "Other relative",
    "nguoi_duoc_uy_quyen": "Authorised person",
}


class BirthRegistrationForm(FormSchema):
    """Tờ khai đăng ký khai sinh."""

    applicant = applicant()
    relationship = fields.String(
        required=True,
        validate=validate.OneOf(list(RELATIONSHIPS), error="Quan hệ với người được khai sinh không hợp lệ."),
        metadata=title(
            "Quan hệ với người được khai sinh",
            "Relationship to the child",
            **{"x-enum-titles": RELATIONSHIPS, "x-enum-titles-en": RELATIONSHIPS_EN},
        ),
    )
    child_full_name = fields.String(
        required=True,
        validate=[not_blank, validate.Length(max=200)],
        metadata=title("Họ, chữ đệm, tên người được khai sinh", "Child's full name"),
    )
    child_date_of_birth = fields.Date(
        required=True, validate=not_in_future, metadata=title("Ngày, tháng, năm sinh", "Date of birth")
    )
    child_sex = fields.String(
        required=True,
        validate=SEX,
        metadata=title(
            "Giới tính",
            "Sex",
            **{"x-enum-titles": {"nam": "Nam", "nu": "Nữ"}, "x-enum-titles-en": {"nam": "Male", "nu": "Female"}},
        ),
    )
    place_of_birth = fields.String(required=True, validate=not_blank, metadata=title("Nơi sinh", "Place of birth"))
    ethnicity = fields.String(load_default="Kinh", metadata=title("Dân tộc", "Ethnicity"))
    nationality = fields.String(load_default="Việt Nam", metadata=title("Quốc tịch", "Nationality"))
    mother_full_name = fields.String(
        required=True, validate=not_blank, metadata=title("Họ, chữ đệm, tên người mẹ", "Mother's full name")
    )
    mother_citizen_id = fields.String(validate=CITIZEN_ID, metadata=title("Số CCCD của người mẹ", "Mother's CCCD"))
    father_full_name = fields.String(
        validate=not_blank, metadata=title("Họ, chữ đệm, tên người cha", "Father's full name")
    )
    father_citizen_id = fields.String(validate=CITIZEN_ID, metadata=title("Số CCCD của người cha", "Father's CCCD"))


class MarriageRegistrationForm(FormSchema):
    """Tờ khai đăng ký kết hôn."""

    husband_full_name = fields.String(
        required=True, validate=not_blank, metadata=title("Họ, chữ đệm, tên người chồng", "Husband's full name")
    )
    husband_citizen_id = fields.String(
        required=True, validate=CITIZEN_ID, metadata=title("Số CCCD của người chồng", "Husband's CCCD number")
    )
    husband_date_of_birth = fields.Date(
        required=True, validate=not_in_future, metadata=title("Ngày sinh của người chồng", "Husband's date of birth")
    )
    wife_full_name = fields.String(
        required=True, validate=not_blank, metadata=title("Họ, chữ đệm, tên người vợ", "Wife's full name")
    )
    wife_citizen_id = fields.String(
        required=True, validate=CITIZEN_ID, metadata=title("Số CCCD của người vợ", "Wife's CCCD number")
    )
    wife_date_of_birth = fields.Date(
        required=True, validate=not_in_future, metadata=title("Ngày sinh của người vợ", "Wife's date of birth")
    )
    residence = fields.String(
        required=True, validate=not_blank, metadata=title("Nơi cư trú của hai bên", "Place of residence of the couple")
    )

    @validates_schema
    def marriage_age(self, data, **kwargs):
        # Luật Hôn nhân và gia đình 2014, Điều 8: nam từ đủ 20 tuổi, nữ từ đủ 18 tuổi.
        import datetime as dt

        today = dt.date.today()
        errors = {}
        for person, minimum in (("husband", 20), ("wife", 18)):
            born = data.get(f"{person}_date_of_birth")
            if born and (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) < minimum:
                errors[f"{person}_date_of_birth"] = [f"Chưa đủ {minimum} tuổi để đăng ký kết hôn."]
        if data.get("husband_citizen_id") and data.get("husband_citizen_id") == data.get("wife_citizen_id"):
            errors["wife_citizen_id"] = ["Số CCCD của hai bên không được trùng nhau."]
        if errors:
            raise ValidationError(errors)


class DeathRegistrationForm(FormSchema):
    """Tờ khai đăng ký khai tử."""

    applicant = applicant()
    deceased_full_name = fields.String(
        required=True, validate=not_blank, metadata=title("Họ, chữ đệm, tên người chết", "Full name of the deceased")
    )
    deceased_citizen_id = fields.String(
        validate=CITIZEN_ID, metadata=title("Số CCCD của người chết", "CCCD number of the deceased")
    )
    date_of_death = fields.Date(required=True, validate=not_in_future, metadata=title("Ngày chết", "Date of death"))
    place_of_death = fields.String(required=True, validate=not_blank, metadata=title("Nơi chết", "Place of death"))
    cause = fields.String(validate=validate.Length(max=300), metadata=title("Nguyên nhân chết", "Cause of death"))


class ExtractCopyForm(FormSchema):
    """Tờ khai cấp bản sao trích lục hộ tịch."""

    applicant = applicant()
    event = fields.String(
        required=True,
        validate=validate.OneOf(["khai_sinh", "ket_hon", "khai_tu"], error="Loại sự kiện hộ tịch không hợp lệ."),
        metadata=title(
            "Sự kiện hộ tịch cần trích lục",
            "Civil status event to copy",
            **choices(
                {"khai_sinh": "Khai sinh", "ket_hon": "Kết hôn", "khai_tu": "Khai tử"},
                {"khai_sinh": "Birth", "ket_hon": "Marriage", "khai_tu": "Death"},
            ),
        ),
    )
    register_number = fields.String(
        validate=validate.Length(max=50), metadata=title("Số đăng ký trong sổ hộ tịch", "Number in the civil register")
    )
    copies = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=20, error="Số bản sao phải từ 1 đến 20."),
        metadata=title("Số bản sao đề nghị cấp", "Number of copies"),
    )
