"""The app's JSON writer (orjson) and the schemas' dump of plain values write what the json module and
marshmallow's fields would (ADR 0034)."""

import collections
import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema as MarshmallowSchema
from marshmallow import fields
from motcua_platform.app import RequestJSONProvider
from motcua_platform.i18n import _
from motcua_platform.web.schema import Schema


@dataclasses.dataclass
class Point:
    y: int
    x: str


class Label(str):
    pass


SAMPLES = [
    {"b": 1, "a": [1, 2.5, None, True], "đ": "Đăng ký khai sinh", "nested": {"z": {}, "y": []}},
    {"when": dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))), "day": dt.date(2026, 2, 17)},
    {"money": Decimal("1188000000.50"), "id": uuid.UUID(int=7), "point": Point(2, "x"), "label": Label("nhãn")},
    {"message": _("Not found."), "t": (1, "two")},
    {"big": 2**70, "neg": -(2**64)},  # past orjson's 64 bits: the json module writes it
    ["a", {"k": "\u2028 line separator", "esc": '"quoted" \\ back'}],
]


@pytest.fixture(scope="module")
def providers():
    app = Flask(__name__)
    ours = RequestJSONProvider(app)
    ours.ensure_ascii = False
    reference = RequestJSONProvider(app)
    reference.ensure_ascii = False
    return app, ours, reference


@pytest.mark.parametrize("sample", SAMPLES)
def test_answers_are_the_json_modules_bytes(providers, sample):
    app, ours, reference = providers
    with app.app_context():
        expected = DefaultJSONProvider.dumps(reference, sample, separators=(",", ":")) + "\n"
        assert ours.response(sample).get_data(as_text=True) == expected


class Summary(Schema):
    code = fields.String()
    count = fields.Integer(allow_none=True)
    flag = fields.Boolean()
    renamed = fields.String(data_key="name", attribute="title")
    when = fields.DateTime()
    aware = fields.AwareDateTime(allow_none=True)
    naive = fields.NaiveDateTime(allow_none=True)
    day = fields.Date(allow_none=True)
    email = fields.Email()  # a String subclass: always through the field
    nested_value = fields.String(attribute="inner.value")
    default = fields.Integer(dump_default=5)
    as_text = fields.Integer(as_string=True)


def marshmallow_dump(schema: Schema, obj, many=False):
    return MarshmallowSchema._serialize(schema, obj, many=many)


class Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)


Pair = collections.namedtuple("Pair", "code count flag title when email inner as_text")


class Upper(Summary):
    """A schema that reads its own way: the plain-value path must ask it, not read the object itself."""

    def get_attribute(self, obj, attr, default):
        value = super().get_attribute(obj, attr, default)
        return value.upper() if isinstance(value, str) else value


ROWS = [
    {"code": "1.001", "count": 3, "flag": True, "title": "Tên", "when": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
     "email": "a@b.vn", "inner": {"value": "v"}, "as_text": 4,
     "aware": dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
     "naive": dt.datetime(2026, 12, 6, 9, 0), "day": dt.date(2026, 12, 6)},
    {"code": 12, "count": "7", "flag": 1, "title": None, "when": None, "email": None, "inner": {}, "default": None,
     "as_text": None},
    {"code": Label("sub"), "count": True, "flag": "yes", "title": Decimal("1.5"),
     "when": dt.datetime(2026, 1, 1, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
    },  # missing keys: omitted
    Row(code="obj", count=1, flag=False, title="t", when=None, email="x@y.vn", inner=Row(value="deep"), as_text=2),
    # indexable, but not by name: read by attribute after the key fails, as marshmallow does
    Pair(code="tuple", count=2, flag=True, title="t", when=None, email="x@y.vn", inner=Row(value="v"), as_text=1),
    {},
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS)
def test_plain_values_dump_as_marshmallow_writes_them(row):
    schema = Summary()
    assert schema.dump(row) == marshmallow_dump(schema, row)


@pytest.mark.parametrize("row", ROWS)
def test_a_schema_reading_its_own_way_is_asked_for_every_value(row):
    schema = Upper()
    assert schema.dump(row) == marshmallow_dump(schema, row)


def test_lists_and_only_and_exclude():
    for schema in (Summary(many=True), Summary(many=True, only=("code", "renamed")), Summary(exclude=("when",))):
        many = schema.many
        data = ROWS if many else ROWS[0]
        assert schema.dump(data) == marshmallow_dump(schema, data, many=many)
