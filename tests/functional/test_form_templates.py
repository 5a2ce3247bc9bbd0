"""Forms from templates: what each shipped template prints, a province rewording a form through the API
(checked when saved: 422 with the line), the sandbox, and the sample data kept in step with real forms."""

import datetime as dt
from pathlib import Path

import pytest
import segno
from dossier_support import SYSTEM, intake_in
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.forms import rendering, samples
from motcua_onestop.dossiers.forms import services as forms
from motcua_platform.rendering.pdf import find_font
from motcua_platform.timezones import VIETNAM
from test_dossier_forms import PDFTOTEXT, assert_form, form, pdf_text, receive

needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) reads the PDFs back")

# A province's receipt: the shipped layout (header, QR, signature) with its own wording of the body.
REWORDED = """{% extends "base.html" %}
{% block body %}
<p>Bộ phận Một cửa {{ unit.name }} xác nhận đã nhận đủ hồ sơ số {{ dossier.code }}.</p>
<p>Ông/Bà {{ dossier.applicant_name }} nhận kết quả vào {{ dossier.appointment }}.</p>
{% endblock %}
{% block signer %}CÁN BỘ MỘT CỬA{% endblock %}
"""


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def admin(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].admin_token)


def put(client, number, template):
    return client.put(f"/api/v1/form-templates/{number}", json={"template": template})


@needs_pdftotext
def test_the_receipt_prints_every_field_of_the_dossier(officer, seeded):
    code = receive(officer, seeded)
    text = pdf_text(form(officer, code, "01").data)
    dossier = officer.get(f"/api/v1/dossiers/{code}").get_json()
    appointment = dt.datetime.fromisoformat(dossier["due_at"]).astimezone(VIETNAM)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Mẫu số 01 - Phụ lục I, Thông tư 03/2025/TT-VPCP",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {code}",
        "Người nộp hồ sơ: Trần Văn Chồng - Số định danh cá nhân: 079090001111",
        "Liên hệ: 0901234567",
        "Thành phần hồ sơ:",
        "Tổng phí, lệ phí:",
        "Thời gian giải quyết: 5 ngày làm việc",
        f"Thời gian hẹn trả kết quả: {appointment:%H} giờ {appointment:%M}, ngày {appointment:%d/%m/%Y}",
        f"{seeded['alpha'].context.public_url}/track/{code}",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "(Ký, ghi rõ họ tên)",
    ):
        assert expected in text, expected


def test_a_province_rewords_a_form_and_goes_back_to_the_shipped_one(officer, admin, host_client, seeded):
    code = receive(officer, seeded)
    assert admin.get("/api/v1/form-templates/01").get_json()["overridden"] is False
    saved = put(admin, "01", REWORDED)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["overridden"] is True and saved.get_json()["template"] == REWORDED
    listed = {row["number"]: row for row in admin.get("/api/v1/form-templates").get_json()}
    assert listed["01"]["overridden"] and not listed["02"]["overridden"] and len(listed) == 7
    assert listed["01"]["updated_by"].startswith("staff:")

    reworded = form(officer, code, "01")
    assert_form(reworded, "01", code)  # header, title, code and the province are still there
    if (text := pdf_text(reworded.data)) is not None:
        assert f"xác nhận đã nhận đủ hồ sơ số {code}" in text and "CÁN BỘ MỘT CỬA" in text
        assert "Thành phần hồ sơ" not in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" not in text
    beta = host_client(seeded["beta"].host, seeded["beta"].admin_token)
    assert beta.get("/api/v1/form-templates/01").get_json()["overridden"] is False  # one province only

    assert admin.delete("/api/v1/form-templates/01").status_code == 204
    assert admin.delete("/api/v1/form-templates/01").status_code == 404
    shipped = admin.get("/api/v1/form-templates/01").get_json()
    assert shipped["overridden"] is False and shipped["template"] == rendering.default_source("01")
    if (text := pdf_text(form(officer, code, "01").data)) is not None:
        assert "Thành phần hồ sơ" in text and "xác nhận đã nhận đủ" not in text


def test_the_reworded_register_is_used_for_form_07(officer, admin, seeded):
    code = receive(officer, seeded)
    source = rendering.default_source("07").replace("Số hồ sơ:", "Tổng số hồ sơ trong kỳ:")
    assert put(admin, "07", source).status_code == 200
    today = dt.datetime.now(VIETNAM).date()
    unit = seeded["alpha"].units["commune_a"]
    response = officer.get(f"/api/v1/register.pdf?unit_id={unit}&from={today}&to={today}")
    assert_form(response, "07", code)
    if (text := pdf_text(response.data)) is not None:
        assert "Tổng số hồ sơ trong kỳ: 1" in text


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("<p>{% if dossier.code %}</p>", "line 1"),  # never closed
        ('{% extends "base.html" %}\n{% block body %}\n<p>{{ dossier.cod }}</p>\n{% endblock %}', "line 3"),
        ("<p>{{ dossier.__class__.__mro__ }}</p>", "line 1"),  # the sandbox hides Python's internals
        ("<p>\n{{ procedure.name.format.__globals__ }}</p>", "line 2"),
        ('<img src="/etc/hostname">', "PDF layout"),  # no file from the server's disk
        ('<img src="http://169.254.169.254/latest/meta-data/">', "PDF layout"),  # nor from the network
        ('<font face="nosuchfont">{{ dossier.code }}</font>', "PDF layout"),
        # the sandbox also bounds what a template can ask for: no range, no huge repetition, no huge output
        ("{% for i in range(10) %}{{ i }}{% endfor %}", "line 1"),
        ('<p>\n\n{{ "x" * 1000000000 }}</p>', "line 3"),
        ("{{ 10 ** 100000000 }}", "line 1"),
        (
            "{% for a in procedure.documents %}{% for d in dossier.fees %}{{ (dossier.code ~ ' ') * 999 }}"
            "{{ (dossier.code ~ ' ') * 999 }}{{ (dossier.code ~ ' ') * 999 }}{% endfor %}{% endfor %}"
            "{% for x in ('a' * 999) %}{{ (dossier.code ~ ' ') * 999 }}{% endfor %}",
            "more than",
        ),
    ],
)
def test_a_template_that_does_not_render_is_422_naming_the_line(admin, template, problem):
    response = put(admin, "01", template)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert problem in body["errors"]["template"][0], body
    assert admin.get("/api/v1/form-templates/01").get_json()["overridden"] is False


def test_only_the_province_admin_rewords_forms(officer, host_client, seeded, admin):
    assert put(officer, "01", REWORDED).status_code == 403
    assert officer.get("/api/v1/form-templates").status_code == 403
    commune_admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["commune_admin"])
    assert put(commune_admin, "01", REWORDED).status_code == 403  # admin of a commune, not the province
    assert host_client(seeded["alpha"].host).get("/api/v1/form-templates/01").status_code == 401
    assert put(admin, "99", REWORDED).status_code == 404
    assert put(admin, "01", "").status_code == 422
    assert put(admin, "01", "x" * (rendering.MAX_TEMPLATE_CHARS + 1)).status_code == 422


def test_values_are_escaped_and_printed_as_written():
    context = samples.sample_context("03")
    context["qr"] = rendering.qr_data_uri("x")
    context["refusal"]["comment"] = 'Thiếu <img src="/etc/hostname"> & giấy tờ'
    html = rendering.render_html("03", context)
    assert "&lt;img src=&#34;/etc/hostname&#34;&gt; &amp; giấy tờ" in html
    body = rendering.html_to_pdf(html, find_font(), title="t", creator="c")  # the text is no image to load
    if (text := pdf_text(body)) is not None:
        assert 'Thiếu <img src="/etc/hostname"> & giấy tờ' in text


@pytest.mark.parametrize("number", sorted(forms.FORMS))
def test_every_shipped_template_passes_the_check_a_province_template_gets(number):
    context = samples.sample_context(number)
    context["qr"] = rendering.qr_data_uri("x")
    rendering.check_source(number, rendering.default_source(number), context, find_font())


def _shape(value):
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_the_sample_data_has_the_shape_of_a_real_form(runtime, seeded):
    """A province's template is checked against the samples: a field real forms carry and the samples lack
    (or the reverse) would let a template pass the check and fail to print."""
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
    issuer = forms.issuer_of(seeded["alpha"].context)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = intake_in(session, seeded, name="Trần Văn A", citizen_id="079090001111", now=monday)
        services.transition(session, SYSTEM, dossier, 4, 1, tenant=seeded["alpha"].context, now=monday)
        entries = services.history(session, dossier)
        procedure = services.procedure_of(session, dossier)
        unit = session.get(forms.Unit, dossier.receiving_unit_id)
        for number in ("01", "06"):
            real = forms.form_context(number, dossier, procedure, entries, unit, issuer, monday)
            assert _shape(real) == _shape(samples.sample_context(number)), number
        register = forms.register_context(
            unit, monday.date(), monday.date(), [(dossier, procedure.code)], issuer, monday
        )
        assert _shape(register) == _shape(samples.sample_context("07"))
        session.rollback()


def test_bold_and_italic_faces_are_found_beside_the_regular_one(tmp_path: Path):
    regular = tmp_path / "Face.ttf"
    regular.write_bytes(b"")
    assert rendering._face_of(regular, "B") == regular  # none beside it: the regular prints
    (tmp_path / "Face-Bold.ttf").write_bytes(b"")
    (tmp_path / "FaceItalic.ttf").write_bytes(b"")
    assert rendering._face_of(regular, "B") == tmp_path / "Face-Bold.ttf"
    assert rendering._face_of(regular, "I") == tmp_path / "FaceItalic.ttf"


def test_a_saved_template_that_fails_on_real_data_is_a_clear_409(officer, admin, seeded, runtime):
    code = receive(officer, seeded)
    # divides by zero for a 10-character contact: the sample's has 12, this applicant's 10
    assert put(admin, "01", "<p>{{ 1 // (dossier.applicant_contact|length - 10) }}</p>").status_code == 200
    response = form(officer, code, "01")
    assert response.status_code == 409, response.status_code
    assert "own template of form 01" in response.get_json()["message"]


def test_a_template_loads_no_image_from_the_servers_disk(admin, tmp_path: Path):
    picture = tmp_path / "picture.png"
    segno.make("a real PNG on the server's disk").save(str(picture), kind="png")
    response = put(admin, "01", f'<img src="{picture}"><p>{{{{ dossier.code }}}}</p>')
    assert response.status_code == 422, response.get_json()
    assert "resource_access_policy" in response.get_json()["errors"]["template"][0]
    embedded = rendering.qr_data_uri("an image of the template's own, as a data: URI")
    assert put(admin, "01", f'<img src="{embedded}" width="60"><p>{{{{ dossier.code }}}}</p>').status_code == 200
