"""The portal's online submission wizard through real HTTP and a real PostgreSQL: where to submit, the form
generated from the plugin's JSON Schema, uploads, review, submit; drafts kept at every step, resumed and
deleted; an expired session that loses nothing; ownership and CSRF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from portal_support import browser, csrf_token, fresh_address, log_in, submit
from sqlalchemy import update

BIRTH = "1.001193"  # Đăng ký khai sinh (civil status, commune level, fully online)
APPLY = f"/procedures/{BIRTH}/apply"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BIRTH_FORM = {
    "applicant.full_name": "Nguyễn Văn Dân",
    "applicant.citizen_id": "079090001111",
    "applicant.date_of_birth": "1990-01-02",
    "applicant.phone": "0912345678",
    "applicant.address": "12 Lê Lợi, phường Bến Nghé",
    "relationship": "cha",
    "child_full_name": "Nguyễn Văn An",
    "child_date_of_birth": "2025-03-04",
    "child_sex": "nam",
    "place_of_birth": "Bệnh viện Từ Dũ",
    "mother_full_name": "Trần Thị Bình",
}


@pytest.fixture
def citizen(host_client, seeded):
    """A browser logged in as the seeded citizen of alpha."""
    client = browser(host_client, seeded["alpha"].host)
    response = log_in(client, "citizen@alpha.test", TEST_PASSWORD)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def html_of(response) -> str:
    return response.get_data(as_text=True)


def choose_unit(client, unit_id: int):
    return submit(client, APPLY, {"unit_id": str(unit_id)})


def fill_form(client, values: dict):
    return submit(client, f"{APPLY}/form", values)


def upload(client, component: int, body: bytes, name: str):
    html = html_of(client.get(f"{APPLY}/documents"))
    return client.post(
        f"{APPLY}/documents",
        data={"csrf_token": csrf_token(html), "component": str(component), "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def complete_draft(client, seeded):
    assert choose_unit(client, seeded["alpha"].units["commune_a"]).status_code == 303
    assert fill_form(client, BIRTH_FORM).status_code == 303
    for index in range(3):
        assert upload(client, index, PDF if index != 1 else PNG, f"giay-to-{index}.pdf").status_code == 303


def test_the_whole_wizard_ends_in_a_dossier_owned_by_the_citizen_with_its_documents(citizen, seeded, alpha, runtime):
    page = html_of(citizen.get(f"/procedures/{BIRTH}"))
    assert f'href="{APPLY}"' in page and "Nộp trực tuyến" in page

    # (1) where to submit: a radio list of the units that receive the procedure
    step = html_of(citizen.get(APPLY))
    assert 'type="radio" name="unit_id"' in step and "commune_a of" in step
    response = choose_unit(citizen, seeded["alpha"].units["commune_a"])
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{APPLY}/form")

    # (2) the form, generated from the plugin's JSON Schema and pre-filled from the profile
    form = html_of(citizen.get(f"{APPLY}/form"))
    assert 'name="applicant.full_name"' in form and 'value="Nguyễn Văn Dân"' in form
    assert 'value="079090001111"' in form  # the CCCD from the profile
    assert '<select id="field-child_sex" name="child_sex"' in form
    assert 'type="date"' in form and "<fieldset" in form
    assert "Quan hệ với người được khai sinh" in form and ">Nữ<" in form  # labels from the schema's titles
    # every error at once, inline, with what was typed kept
    wrong = {**BIRTH_FORM, "child_full_name": "", "mother_citizen_id": "123", "child_sex": "x"}
    response = fill_form(citizen, wrong)
    assert response.status_code == 422
    errors = html_of(response)
    assert 'id="error-child_full_name"' in errors and 'id="error-mother_citizen_id"' in errors
    assert 'id="error-child_sex"' in errors and "12 chữ số" in errors
    assert 'aria-invalid="true"' in errors and 'value="Bệnh viện Từ Dũ"' in errors
    assert 'href="#field-child_full_name"' in errors  # the error summary links to the field
    response = fill_form(citizen, BIRTH_FORM)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{APPLY}/documents")

    # (3) documents: one upload form per required document, with the progress enhancement
    drafts_before = _stored(runtime, "drafts")
    documents = html_of(citizen.get(f"{APPLY}/documents"))
    assert documents.count("data-upload") == 3 and "<progress" in documents
    for index in range(3):
        response = upload(citizen, index, PDF, f"giay-to-{index}.pdf")
        assert response.status_code == 303
    assert "giay-to-2.pdf" in html_of(citizen.get(f"{APPLY}/documents"))

    # (4) review, then (5) submit
    review = html_of(citizen.get(f"{APPLY}/review"))
    assert "Nguyễn Văn An" in review and "commune_a of" in review and "giay-to-0.pdf" in review
    response = submit(citizen, f"{APPLY}/review", action=f"{APPLY}/submit")
    assert response.status_code == 303, html_of(response)
    done = response.headers["Location"]
    code = re.search(r"/my/dossiers/([^/]+)/submitted$", done).group(1)
    confirmation = html_of(citizen.get(done))
    assert code in confirmation
    assert f"/my/dossiers/{code}/forms/01.pdf" in confirmation and f"/track/{code}" in confirmation

    # the dossier: status 1, owned by the citizen, the three documents attached, the draft gone
    api = alpha.with_token(seeded["alpha"].citizen_token)
    own = api.get(f"/api/v1/my/dossiers/{code}").get_json()
    assert own["status"] == 1 and own["applicant_name"] == "Nguyễn Văn Dân"
    attached = api.get(f"/api/v1/dossiers/{code}/documents").get_json()
    assert sorted(d["component_index"] for d in attached) == [0, 1, 2]
    assert {d["filename"] for d in attached} == {"giay-to-0.pdf", "giay-to-1.pdf", "giay-to-2.pdf"}
    content = api.get(attached[0]["download"])
    assert content.data == PDF
    content.close()
    assert "Đăng ký khai sinh" not in html_of(citizen.get("/my/drafts"))
    assert _stored(runtime, "drafts") == drafts_before  # the draft's own copies are gone

    # the receipt (form 01) is issued once the unit receives the dossier: said clearly before, a PDF after
    early = citizen.get(f"/my/dossiers/{code}/forms/01.pdf")
    assert early.status_code == 409 and "tiếp nhận" in html_of(early)
    officer = alpha.with_token(seeded["alpha"].tokens["officer"])
    version = officer.get(f"/api/v1/dossiers/{code}").headers["ETag"]
    moved = officer.post(f"/api/v1/dossiers/{code}/transitions", json={"to_status": 2}, headers={"If-Match": version})
    assert moved.status_code == 200, moved.get_json()
    receipt = citizen.get(f"/my/dossiers/{code}/forms/01.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf" and receipt.data.startswith(b"%PDF")
    assert citizen.get(f"/my/dossiers/{code}/forms/06.pdf").status_code == 403


def test_a_unit_that_does_not_receive_the_procedure_is_refused_and_the_draft_kept(citizen, seeded):
    assert choose_unit(citizen, seeded["alpha"].units["commune_b"]).status_code == 303
    response = choose_unit(citizen, seeded["alpha"].units["root"])
    assert response.status_code == 422
    html = html_of(response)
    assert "không tiếp nhận thủ tục" in html and 'id="error-unit_id"' in html
    # the draft still holds the unit chosen before
    assert "checked" in html_of(citizen.get(APPLY)).split(f'value="{seeded["alpha"].units["commune_b"]}"')[1][:40]
    response = choose_unit(citizen, 999999)
    assert response.status_code == 422


def test_a_bad_upload_is_refused_clearly_and_the_draft_kept(citizen, seeded, runtime, monkeypatch):
    complete_draft(citizen, seeded)
    response = upload(citizen, 0, b"MZ\x90\x00 not a document", "virus.pdf")
    assert response.status_code == 422
    assert "PDF, JPEG" in html_of(response) and 'id="error-file-0"' in html_of(response)
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(upload_max_bytes=len(PDF) + 10))
    response = upload(citizen, 1, PDF + b"x" * 100, "big.pdf")
    assert response.status_code == 413
    assert "MB" in html_of(response) and 'id="error-file-1"' in html_of(response)
    # nothing of the draft was lost: the earlier files are still there
    page = html_of(citizen.get(f"{APPLY}/documents"))
    assert all(name in page for name in ("giay-to-0.pdf", "giay-to-1.png", "giay-to-2.pdf"))
    assert "Nguyễn Văn An" in html_of(citizen.get(f"{APPLY}/review"))


def test_leaving_and_resuming_a_draft_then_deleting_it(citizen, seeded, host_client, runtime):
    before = _stored(runtime, "drafts")
    assert choose_unit(citizen, seeded["alpha"].units["commune_a"]).status_code == 303
    assert fill_form(citizen, {**BIRTH_FORM, "child_full_name": "Lê Thị Hoa"}).status_code == 303
    assert upload(citizen, 0, PDF, "to-khai.pdf").status_code == 303
    # leave: log out, come back in another browser
    submit(citizen, "/my/dossiers", action="/logout")
    other = browser(host_client, seeded["alpha"].host)
    assert log_in(other, "citizen@alpha.test", TEST_PASSWORD).status_code == 303
    drafts = html_of(other.get("/my/drafts"))
    assert "Đăng ký khai sinh" in drafts
    resume = re.search(r'href="(/my/drafts/\d+)"', drafts).group(1)
    response = other.get(resume)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{APPLY}/review")
    assert 'value="Lê Thị Hoa"' in html_of(other.get(f"{APPLY}/form"))
    assert "to-khai.pdf" in html_of(other.get(f"{APPLY}/documents"))
    # delete it: the draft and its file go
    assert len(_stored(runtime, "drafts") - before) == 1
    response = submit(other, "/my/drafts", action=f"{resume}/delete")
    assert response.status_code == 303
    assert "Đăng ký khai sinh" not in html_of(other.get("/my/drafts"))
    assert other.get(resume).status_code == 404
    assert _stored(runtime, "drafts") == before


def test_an_expired_session_on_post_keeps_the_answers_and_restores_them_after_login(citizen, seeded, runtime):
    assert choose_unit(citizen, seeded["alpha"].units["commune_a"]).status_code == 303
    form_page = html_of(citizen.get(f"{APPLY}/form"))
    _expire_citizen_sessions(runtime, seeded)
    answers = {**BIRTH_FORM, "child_full_name": "Phạm Minh Khôi", "place_of_birth": "Trạm y tế xã"}
    response = citizen.post(f"{APPLY}/form", data={**answers, "csrf_token": csrf_token(form_page)})
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    login_page = html_of(citizen.get(response.headers["Location"]))
    assert "phiên làm việc" in login_page.lower() or "session" in login_page.lower()
    response = log_in(citizen, "citizen@alpha.test", TEST_PASSWORD, next_path=f"{APPLY}/form")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{APPLY}/form")
    restored = citizen.get(f"{APPLY}/form", follow_redirects=True)
    html = html_of(restored)
    assert 'value="Phạm Minh Khôi"' in html and 'value="Trạm y tế xã"' in html
    # and they are in the draft: shown again on a later visit too
    assert 'value="Phạm Minh Khôi"' in html_of(citizen.get(f"{APPLY}/form"))


def _expire_citizen_sessions(runtime, seeded):
    from motcua_onestop.citizens.models import CitizenToken
    from motcua_platform.db.base import utcnow

    slug = seeded["alpha"].slug
    binding = runtime.db.binding(slug)
    with runtime.db.tenant_session(binding) as session:
        session.execute(update(CitizenToken).values(expires_at=utcnow() - dt.timedelta(days=1)))
        session.commit()


def test_another_citizen_cannot_open_or_delete_someone_elses_draft(citizen, seeded, host_client):
    assert choose_unit(citizen, seeded["alpha"].units["commune_a"]).status_code == 303
    drafts = html_of(citizen.get("/my/drafts"))
    mine = re.search(r'href="(/my/drafts/\d+)"', drafts).group(1)
    stranger = browser(host_client, seeded["alpha"].host)
    response = submit(
        stranger,
        "/register",
        {
            "kind": "citizen",
            "full_name": "Lê Văn Khách",
            "email": "khach@alpha.test",
            "national_id": "079090002222",
            "password": "Mot-mat-khau-Rat-Dai-91",
            "password_again": "Mot-mat-khau-Rat-Dai-91",
        },
        environ_base={"REMOTE_ADDR": fresh_address()},
    )
    assert response.status_code == 303, html_of(response)
    assert stranger.get(mine).status_code == 404
    assert submit(stranger, "/my/drafts", action=f"{mine}/delete").status_code == 404
    assert "Đăng ký khai sinh" not in html_of(stranger.get("/my/drafts"))
    assert citizen.get(mine).status_code == 303  # still there for its owner


def test_every_step_requires_the_csrf_token(citizen, seeded):
    response = citizen.post(APPLY, data={"unit_id": str(seeded["alpha"].units["commune_a"])})
    assert response.status_code == 400
    response = citizen.post(f"{APPLY}/form", data=BIRTH_FORM)
    assert response.status_code == 400
    assert citizen.post(f"{APPLY}/submit").status_code == 400
    assert "commune_a" not in html_of(citizen.get("/my/drafts"))


def test_the_wizard_in_english(citizen, seeded):
    citizen.get("/language/en?next=/")
    page = html_of(citizen.get(f"/procedures/{BIRTH}"))
    assert "Apply online" in page
    response = choose_unit(citizen, seeded["alpha"].units["root"])
    assert response.status_code == 422 and "does not receive the procedure" in html_of(response)
    assert "Birth registration" in html_of(response)
    form = html_of(citizen.get(f"{APPLY}/form"))  # labels from the schema's titles, in English
    assert "Relationship to the child" in form and ">Female<" in form and "Place of residence" in form


def test_anonymous_visitors_see_the_pages_and_are_sent_to_log_in_to_apply(host_client, seeded):
    anonymous = browser(host_client, seeded["alpha"].host)
    assert anonymous.get("/login").status_code == 200
    assert "Nộp trực tuyến" in html_of(anonymous.get(f"/procedures/{BIRTH}"))
    response = anonymous.get(APPLY)
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def _stored(runtime, area: str) -> set[str]:
    folder = runtime.config.instance_path / "storage" / "alpha" / area
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def test_a_document_failing_at_submission_leaves_no_dossier_and_the_draft_whole(
    citizen, seeded, alpha, runtime, monkeypatch
):
    from motcua_onestop.dossiers.documents import services as documents
    from motcua_platform.errors import InvalidInput

    complete_draft(citizen, seeded)
    before = _stored(runtime, "documents")
    real, calls = documents.add_document, []

    def third_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise InvalidInput("Lưu tệp không thành công.", {"file": ["Lưu tệp không thành công."]})
        return real(*args, **kwargs)

    monkeypatch.setattr(documents, "add_document", third_fails)
    response = submit(citizen, f"{APPLY}/review", action=f"{APPLY}/submit")
    assert response.status_code == 422 and "Lưu tệp không thành công." in html_of(response)
    assert len(calls) == 3
    # nothing half-written: no dossier, no stored document, the draft and its files as they were
    assert alpha.with_token(seeded["alpha"].citizen_token).get("/api/v1/my/dossiers").get_json() == []
    assert _stored(runtime, "documents") == before
    review = html_of(citizen.get(f"{APPLY}/review"))
    assert "giay-to-0.pdf" in review and "giay-to-2.pdf" in review and "Nộp hồ sơ" in review


def test_the_hourly_submission_limit_keeps_the_draft(citizen, seeded, alpha, runtime, monkeypatch):
    complete_draft(citizen, seeded)
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(online_submissions_per_hour=1))
    assert submit(citizen, f"{APPLY}/review", action=f"{APPLY}/submit").status_code == 303
    complete_draft(citizen, seeded)
    response = submit(citizen, f"{APPLY}/review", action=f"{APPLY}/submit")
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "bản nháp vẫn được giữ" in html_of(response).lower()
    assert len(alpha.with_token(seeded["alpha"].citizen_token).get("/api/v1/my/dossiers").get_json()) == 1
    assert "giay-to-0.pdf" in html_of(citizen.get(f"{APPLY}/review"))


def test_documents_given_before_are_offered_again_and_recorded_as_reused(citizen, seeded, alpha, runtime):
    complete_draft(citizen, seeded)
    first = submit(citizen, f"{APPLY}/review", action=f"{APPLY}/submit")
    assert first.status_code == 303
    api = alpha.with_token(seeded["alpha"].citizen_token)
    kept = {item["name"]: item for item in api.get("/api/v1/my/documents").get_json()}
    assert len(kept) == 3
    # a second birth registration: each required document offers the one given before
    assert choose_unit(citizen, seeded["alpha"].units["commune_a"]).status_code == 303
    assert fill_form(citizen, BIRTH_FORM).status_code == 303
    page = html_of(citizen.get(f"{APPLY}/documents"))
    # the declaration is filled in for each application: not offered; the two papers are
    assert page.count('name="action" value="reuse"') == 2 and "giay-to-2.pdf" in page
    chosen = kept["Giấy chứng sinh"]
    given = submit(citizen, f"{APPLY}/documents", {"action": "reuse", "component": "1", "kept": str(chosen["id"])})
    assert given.status_code == 303, html_of(given)
    refused = submit(citizen, f"{APPLY}/documents", {"action": "reuse", "component": "0", "kept": str(chosen["id"])})
    assert refused.status_code == 422  # a birth certificate does not answer the declaration form
    for index in (0, 2):
        assert upload(citizen, index, PDF, f"moi-{index}.pdf").status_code == 303
    second = submit(citizen, f"{APPLY}/review", action=f"{APPLY}/submit")
    assert second.status_code == 303, html_of(second)
    code = re.search(r"/my/dossiers/([^/]+)/submitted$", second.headers["Location"]).group(1)
    attached = {d["component_index"]: d for d in api.get(f"/api/v1/dossiers/{code}/documents").get_json()}
    assert attached[1]["reused_from_id"] == chosen["document_id"] and attached[1]["filename"] == chosen["filename"]
    assert attached[0]["reused_from_id"] is None and attached[2]["reused_from_id"] is None
