"""web.rows: a schema's plain dumper writes exactly what ``schema.dump`` writes (the officer's inbox is
served through it, so its JSON must not change), and refuses a field it cannot write the same way."""

import datetime as dt
import zoneinfo

import pytest
from marshmallow import fields
from motcua_onestop.dossiers.schemas import DossierSummarySchema
from motcua_platform.web.rows import row_dumper
from motcua_platform.web.schema import Schema

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def summary_rows():
    when = dt.datetime(2026, 12, 6, 7, 30, 15, 123456, tzinfo=HANOI)
    full = {
        "code": "H37.1-261206-0001",
        "receiving_unit_id": 2**40,
        "channel": "counter",
        "applicant_name": 'Nguyễn Văn Ā \u2028 "quoted" <b>',
        "status": 4,
        "submitted_at": when,
        "received_at": when.astimezone(dt.UTC),
        "due_at": dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC),
        "extended_due_at": when + dt.timedelta(days=3),
        "version": 7,
    }
    empty = {**full, "received_at": None, "due_at": None, "extended_due_at": None, "applicant_name": ""}
    return [full, empty]


@pytest.mark.parametrize("row", summary_rows())
def test_the_inbox_summary_is_written_as_marshmallow_writes_it(row):
    schema = DossierSummarySchema()
    assert row_dumper(schema)(row) == schema.dump(row)


def test_every_plain_kind_of_field_matches_marshmallow():
    class Plain(Schema):
        text = fields.String()
        number = fields.Integer()
        flag = fields.Boolean()
        moment = fields.DateTime()
        aware = fields.AwareDateTime()
        renamed = fields.Integer(data_key="other", attribute="source")

    row = {
        "text": "x",
        "number": 3,
        "flag": True,
        "moment": dt.datetime(2026, 1, 1, tzinfo=HANOI),
        "aware": dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC),
        "source": 5,
    }
    assert row_dumper(Plain())(row) == Plain().dump(row)


@pytest.mark.parametrize(
    "field",
    [fields.Decimal(as_string=True), fields.Nested(DossierSummarySchema), fields.Dict(), fields.Email()],
)
def test_a_field_without_a_plain_writer_is_refused_when_the_dumper_is_built(field):
    class Other(Schema):
        value = field

    with pytest.raises(TypeError):
        row_dumper(Other())
