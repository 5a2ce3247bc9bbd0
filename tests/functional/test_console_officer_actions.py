"""The officer's actions on a dossier page (/console/dossiers/<code>) beyond the status changes, through the
test client and the session cookie as a browser: the workflow's steps (claim, complete, hand off), an
extension with an apology, comments and uploads. Each action: done (the staff API shows the change), drawn
from a stale page (409, nothing changed), forbidden (not shown, and a forged form refused with nothing
changed) and bad input (422, the error next to its field, the input kept)."""

import io
import re

import pytest
from dossier_support import citizen_client, intake_body, move
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from portal_support import csrf_token, fresh_address, submit, text
from werkzeug.datastructures import FileStorage

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHANGED_EN = "Someone else changed this dossier while you had it open"
OFFICER_NAME = "officer Tỉnh Alpha"
ADMIN_NAME = "admin Tỉnh Alpha"
FIRST_STEP = "Tiếp nhận, kiểm tra hồ sơ"


def log_in(client, email: str):
    data = {"email": email, "password": TEST_PASSWORD}
    response = submit(client, "/console/login", data, environ_base={"REMOTE_ADDR": fresh_address()})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def officer_api(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def admin_api(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].admin_token)


@pytest.fixture
def console(host_client, seeded):
    """The seeded officer of commune A, logged in to the console."""
    return log_in(host_client(seeded["alpha"].host), "officer@alpha.test")


def received(api, seeded) -> str:
    """A counter dossier at commune A, received (status 2, version 1)."""
    response = api.post("/api/v1/dossiers", json=intake_body(seeded))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


@pytest.fixture
def processing(officer_api, seeded) -> str:
    """A dossier being processed (status 4, version 2): its four steps are there, the first one open."""
    code = received(officer_api, seeded)
    assert move(officer_api, code, 4, 1).status_code == 200
    return code


def page(client, code):
    response = client.get(f"/console/dossiers/{code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def version_on(body: str) -> str:
    return re.search(r'name="version" value="(\d+)"', body).group(1)


def post(client, code, path, data=None, *, version=None, files=None, drawn=None):
    """POST one of the page's forms: its CSRF token, and the version the page shows unless given."""
    body = drawn or page(client, code)
    form = {"csrf_token": csrf_token(body), **(data or {}), **(files or {})}
    if version is not False:
        form["version"] = str(version if version is not None else version_on(body))
    return client.post(f"/console/dossiers/{code}{path}", data=form)


def dossier(api, code):
    return api.get(f"/api/v1/dossiers/{code}").get_json()


def steps(api, code):
    return api.get(f"/api/v1/dossiers/{code}/steps").get_json()


# -- steps ---------------------------------------------------------------------------------------------
def test_the_workflow_is_shown_before_processing_without_step_actions(console, officer_api, seeded):
    code = received(officer_api, seeded)
    body = page(console, code)
    assert "Processing steps" in body and FIRST_STEP in body and "Trả kết quả" in body
    assert "Claim this step" not in body and "Complete this step" not in body
    # a forged claim: the service's reason (no open step), nothing changed
    response = post(console, code, "/steps/claim")
    assert response.status_code == 409
    assert "is not being processed" in text(response)
    assert dossier(officer_api, code)["version"] == 1


def test_claim_then_complete_a_step_with_a_comment(console, officer_api, processing, seeded):
    code = processing
    body = page(console, code)
    assert ">Claim this step</button>" in body and "Nobody has claimed it yet" in body
    assert "Complete this step" not in body  # only the one who claimed it completes it
    response = post(console, code, "/steps/claim")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/console/dossiers/{code}#steps")
    claimed = steps(officer_api, code)
    assert claimed["steps"][0]["claimed_by"] == seeded["alpha"].staff["officer"] and claimed["version"] == 3
    shown = text(console.get(f"/console/dossiers/{code}"))
    assert f"You claimed step 1: {FIRST_STEP}." in shown
    assert OFFICER_NAME in shown and "Claim this step" not in shown and ">Complete this step</button>" in shown

    # no comment: 422 next to the field, nothing changed
    response = post(console, code, "/steps/complete", {"step_comment": "   "})
    assert response.status_code == 422
    assert 'id="error-step_comment"' in response.get_data(as_text=True)
    assert steps(officer_api, code)["version"] == 3
    response = post(console, code, "/steps/complete", {"step_comment": "Hồ sơ đủ, chuyển thẩm định"})
    assert response.status_code == 303
    after = steps(officer_api, code)
    assert after["steps"][0]["finished_at"] and after["current_step"] == 1 and after["version"] == 4
    history = text(console.get(f"/console/dossiers/{code}"))
    assert "Step completed" in history and "chuyển thẩm định" in history
    assert "staff:" not in history  # names, never the raw actor


def test_a_stale_claim_changes_nothing(console, officer_api, admin_api, processing, seeded):
    code = processing
    drawn = page(console, code)  # version 2
    claimed = admin_api.post(f"/api/v1/dossiers/{code}/steps/current/claim", headers={"If-Match": '"2"'})
    assert claimed.status_code == 200
    response = post(console, code, "/steps/claim", drawn=drawn)
    assert response.status_code == 409
    assert CHANGED_EN in text(response)
    assert ADMIN_NAME in text(response)  # the dossier as it is now: the admin has the step
    after = steps(officer_api, code)
    assert after["steps"][0]["claimed_by"] == seeded["alpha"].staff["admin"] and after["version"] == 3


def test_step_actions_someone_may_not_take_are_not_shown_and_refused(
    console, officer_api, admin_api, processing, seeded
):
    code = processing
    assert (
        admin_api.post(f"/api/v1/dossiers/{code}/steps/current/claim", headers={"If-Match": '"2"'}).status_code == 200
    )
    body = page(console, code)
    assert "Claim this step" not in body and "Complete this step" not in body  # the admin has it
    response = post(console, code, "/steps/complete", {"step_comment": "xong"})
    assert response.status_code == 403
    assert steps(officer_api, code)["steps"][0]["finished_at"] is None
    # handed to commune B: an officer of commune A may no longer act on it (nor hand it on)
    commune_b = seeded["alpha"].units["commune_b"]
    handed = admin_api.post(
        f"/api/v1/dossiers/{code}/steps/current/handoff", json={"unit_id": commune_b}, headers={"If-Match": '"3"'}
    )
    assert handed.status_code == 200, handed.get_json()
    body = page(console, code)
    assert "Claim this step" not in body and "Hand this step to another unit" not in body
    assert "Give this step to a colleague" not in body
    assert post(console, code, "/steps/claim").status_code == 403
    assert (
        post(console, code, "/steps/assign", {"assign_staff": str(seeded["alpha"].staff["officer"])}).status_code == 403
    )
    assert post(console, code, "/steps/handoff", {"handoff_unit": str(commune_b)}).status_code == 403
    assert steps(officer_api, code)["version"] == 4


def test_hand_a_step_to_another_unit(console, officer_api, processing, seeded):
    code = processing
    units = seeded["alpha"].units
    assert "Hand this step to another unit" in page(console, code)
    response = post(console, code, "/steps/handoff", {"handoff_unit": "", "handoff_comment": "nhờ xã B"})
    assert response.status_code == 422
    assert "Choose the unit to hand the step to." in text(response) and "nhờ xã B" in text(response)
    response = post(console, code, "/steps/handoff", {"handoff_unit": "987654"})
    assert response.status_code == 422 and "Choose an open unit of the province." in text(response)
    assert steps(officer_api, code)["version"] == 2
    response = post(console, code, "/steps/handoff", {"handoff_unit": str(units["commune_b"]), "handoff_comment": "x"})
    assert response.status_code == 303
    after = steps(officer_api, code)
    assert after["steps"][0]["unit_id"] == units["commune_b"] and after["version"] == 3
    assert "Step handed off" in text(console.get(f"/console/dossiers/{code}"))


def test_give_a_step_to_a_colleague(console, officer_api, admin_api, processing, seeded):
    code = processing
    staff = seeded["alpha"].staff
    body = page(console, code)
    assert "Give this step to a colleague" in body
    options = body.split('id="field-assign_staff"', 1)[1].split("</select>", 1)[0]
    assert ADMIN_NAME in options and "finance" not in options  # only those who may act on the step
    response = post(console, code, "/steps/assign", {"assign_staff": "", "assign_comment": "nhờ chị"})
    assert response.status_code == 422
    assert "Choose the colleague to give the step to." in text(response) and "nhờ chị" in text(response)
    response = post(console, code, "/steps/assign", {"assign_staff": str(staff["finance"])})  # a forged choice
    assert response.status_code == 422 and "Choose an active officer with the step" in text(response)
    assert steps(officer_api, code)["version"] == 2
    drawn = page(console, code)
    response = post(console, code, "/steps/assign", {"assign_staff": str(staff["admin"]), "assign_comment": "nhờ"})
    assert response.status_code == 303
    after = steps(officer_api, code)
    assert after["steps"][0]["claimed_by"] == staff["admin"] and after["version"] == 3
    shown = text(console.get(f"/console/dossiers/{code}"))
    assert f"Step 1 is now with {ADMIN_NAME}." in shown and "Step given to a colleague" in shown
    assert "Complete this step" not in shown  # the admin has it now
    # the same form from the page drawn before: stale, nothing changed
    response = post(console, code, "/steps/assign", {"assign_staff": str(staff["commune_admin"])}, drawn=drawn)
    assert response.status_code == 409 and CHANGED_EN in text(response)
    assert steps(officer_api, code)["steps"][0]["claimed_by"] == staff["admin"]


# -- extensions ----------------------------------------------------------------------------------------
EXTENSION = {"working_days": "3", "reason": "Chờ xác minh", "apology": "Rất mong ông bà thông cảm."}


def test_extend_the_due_date_with_an_apology(console, officer_api, processing):
    code = processing
    before = dossier(officer_api, code)
    assert "Extend the due date, with an apology to the applicant" in page(console, code)
    response = post(console, code, "/extensions", {**EXTENSION, "working_days": "ba"})
    assert response.status_code == 422
    shown = text(response)
    assert "A whole number of working days, from 1 to 365." in shown and "Rất mong ông bà thông cảm." in shown
    response = post(console, code, "/extensions", {**EXTENSION, "apology": ""})
    assert response.status_code == 422 and 'id="error-apology"' in response.get_data(as_text=True)
    assert dossier(officer_api, code)["version"] == before["version"]
    response = post(console, code, "/extensions", EXTENSION)
    assert response.status_code == 303 and response.headers["Location"].endswith("#extensions")
    after = dossier(officer_api, code)
    assert after["extended_due_at"] > after["due_at"] and after["version"] == before["version"] + 1
    listed = officer_api.get(f"/api/v1/dossiers/{code}/extensions").get_json()
    assert [e["reason"] for e in listed] == ["Chờ xác minh"]
    body = text(console.get(f"/console/dossiers/{code}"))
    assert "The due date is extended to" in body and "Due date extended" in body
    letter = console.get(f"/console/dossiers/{code}/forms/04.pdf")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert letter.get_data().startswith(b"%PDF")


def test_a_stale_or_forbidden_extension_changes_nothing(
    console, officer_api, admin_api, processing, host_client, seeded
):
    code = processing
    drawn = page(console, code)  # version 2
    assert (
        admin_api.post(f"/api/v1/dossiers/{code}/steps/current/claim", headers={"If-Match": '"2"'}).status_code == 200
    )
    response = post(console, code, "/extensions", EXTENSION, drawn=drawn)
    assert response.status_code == 409 and CHANGED_EN in text(response)
    assert "Rất mong ông bà thông cảm." in text(response)  # what was typed is still there, to send again
    assert officer_api.get(f"/api/v1/dossiers/{code}/extensions").get_json() == []
    # a dossier awaiting intake has no running due date: no form, and a forged one is refused
    online = citizen_client(host_client, seeded).post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    online = online.get_json()["code"]
    assert "Extend the due date" not in page(console, online)
    response = post(console, online, "/extensions", EXTENSION)
    assert response.status_code == 409
    assert officer_api.get(f"/api/v1/dossiers/{online}/extensions").get_json() == []
    assert console.get(f"/console/dossiers/{online}/forms/04.pdf").status_code == 409  # no extension, no letter


# -- comments ------------------------------------------------------------------------------------------
def test_comments_are_added_and_listed_by_name(console, officer_api, seeded):
    code = received(officer_api, seeded)
    assert "No comment yet." in page(console, code)
    response = post(console, code, "/comments", {"new_comment": "  "}, version=False)
    assert response.status_code == 422 and "Write the comment." in text(response)
    response = post(console, code, "/comments", {"new_comment": "x" * 2001}, version=False)
    assert response.status_code == 422 and "x" * 2001 in text(response)  # kept, to shorten
    response = post(console, code, "/comments", {"new_comment": "Cần xác minh nơi cư trú"}, version=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("#comments")
    history = officer_api.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert [(h["action"], h["comment"]) for h in history][-1] == ("comment", "Cần xác minh nơi cư trú")
    assert dossier(officer_api, code)["version"] == 1  # as in the API: a comment is no change to the dossier
    body = text(console.get(f"/console/dossiers/{code}"))
    comments = body.split('id="comments-title"', 1)[1].split("</section>", 1)[0]
    assert "Cần xác minh nơi cư trú" in comments and OFFICER_NAME in comments


def test_staff_of_another_unit_or_without_a_unit_role_cannot_comment(host_client, officer_api, admin_api, seeded):
    other = admin_api.post(
        "/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=seeded["alpha"].units["commune_b"])
    )
    code = other.get_json()["code"]
    console = log_in(host_client(seeded["alpha"].host), "officer@alpha.test")
    token = csrf_token(console.get("/console").get_data(as_text=True))
    response = console.post(f"/console/dossiers/{code}/comments", data={"csrf_token": token, "new_comment": "x"})
    assert response.status_code == 404  # commune B's dossier does not exist for commune A's officer
    finance = log_in(host_client(seeded["alpha"].host), "finance@alpha.test")
    refused = finance.get("/console")
    assert refused.status_code == 403
    token = csrf_token(refused.get_data(as_text=True))  # the log-out form's
    response = finance.post(f"/console/dossiers/{code}/comments", data={"csrf_token": token, "new_comment": "x"})
    assert response.status_code == 404  # as the API answers them: no unit of theirs has the dossier
    history = admin_api.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert [h["action"] for h in history] == ["intake_counter"]


# -- documents -----------------------------------------------------------------------------------------
def upload(name: str, content: bytes = PDF) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name)


def test_upload_a_digitised_document_then_the_result(console, officer_api, seeded):
    code = received(officer_api, seeded)
    body = page(console, code)
    assert "Upload a document" in body and "Upload the result" not in body  # a result once processing
    response = post(console, code, "/documents", {"kind": "component", "component": "0"}, version=False)
    assert response.status_code == 422 and "Choose the file to upload." in text(response)
    files = {"file": upload("anh.pdf", b"GIF89a not a pdf")}
    response = post(console, code, "/documents", {"kind": "component", "component": "0"}, files=files, version=False)
    assert response.status_code == 422 and "is not a PDF, JPEG or PNG file" in text(response)
    files = {"file": upload("to-khai.pdf")}
    response = post(console, code, "/documents", {"component": "99"}, files=files, version=False)
    assert response.status_code == 422 and "Choose which document this file is." in text(response)
    assert officer_api.get(f"/api/v1/dossiers/{code}/documents").get_json() == []
    files = {"file": upload("to-khai.pdf")}
    data = {"kind": "component", "component": "0", "digitised": "1"}
    response = post(console, code, "/documents", data, files=files, version=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("#documents")
    [stored] = officer_api.get(f"/api/v1/dossiers/{code}/documents").get_json()
    assert stored["digitised"] is True and stored["kind"] == "component" and stored["filename"] == "to-khai.pdf"
    assert "Scanned from paper" in text(console.get(f"/console/dossiers/{code}"))

    # the result: refused while the dossier is only received (a forged form), taken once it is processing
    files = {"result_file": upload("ket-qua.pdf", PDF + b"%result")}
    response = post(console, code, "/documents", {"kind": "result"}, files=files, version=False)
    assert response.status_code == 409
    assert len(officer_api.get(f"/api/v1/dossiers/{code}/documents").get_json()) == 1
    assert move(officer_api, code, 4, 1).status_code == 200
    assert "Upload the result" in page(console, code)
    files = {"result_file": upload("ket-qua.pdf", PDF + b"%result")}
    response = post(console, code, "/documents", {"kind": "result"}, files=files, version=False)
    assert response.status_code == 303
    kinds = sorted(d["kind"] for d in officer_api.get(f"/api/v1/dossiers/{code}/documents").get_json())
    assert kinds == ["component", "result"]
    history = text(console.get(f"/console/dossiers/{code}"))
    assert "Result uploaded" in history and "Document uploaded" in history


def test_mark_an_uploaded_document_as_scanned_from_paper(console, officer_api, seeded):
    code = received(officer_api, seeded)
    response = post(console, code, "/documents", {"component": "0"}, files={"file": upload("a.pdf")}, version=False)
    assert response.status_code == 303
    [stored] = officer_api.get(f"/api/v1/dossiers/{code}/documents").get_json()
    assert stored["digitised"] is False
    body = page(console, code)
    action = f"/console/dossiers/{code}/documents/{stored['id']}/digitised"
    assert f'action="{action}"' in body and "Mark as scanned from paper" in body
    response = console.post(action, data={"csrf_token": csrf_token(body)})
    assert response.status_code == 303
    [stored] = officer_api.get(f"/api/v1/dossiers/{code}/documents").get_json()
    assert stored["digitised"] is True
    body = text(console.get(f"/console/dossiers/{code}"))
    assert "Mark as scanned from paper" not in body and "Document marked as scanned from paper" in body
    # once processed, the dossier takes no more components: no button, and a forged form changes nothing
    assert move(officer_api, code, 4, 1).status_code == 200 and move(officer_api, code, 9, 2).status_code == 200
    body = page(console, code)
    assert "Mark as scanned from paper" not in body
    assert console.post(action, data={"csrf_token": csrf_token(body)}).status_code == 409


def test_the_transitions_that_finish_a_dossier_are_offered_where_allowed(console, officer_api, processing):
    body = page(console, processing)
    assert ">Stop processing</button>" in body and ">Mark as processed</button>" in body
    assert ">Return the result</button>" not in body


def test_vietnamese_pages_name_the_actions(host_client, officer_api, processing, seeded):
    client = log_in(host_client(seeded["alpha"].host, language="vi"), "officer@alpha.test")
    body = text(client.get(f"/console/dossiers/{processing}"))
    assert "Các bước xử lý" in body and "Nhận xử lý bước này" in body and "Ý kiến" in body
