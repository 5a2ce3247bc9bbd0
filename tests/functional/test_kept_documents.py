"""Documents given once (issue 16, item 6) through real HTTP: a citizen's components and results are kept,
offered again in a later dossier asking for the same document, given again by copy with where they came
from recorded (QĐ 766 4.3), and removed from the citizen's list on request, except while a dossier not
finished uses them; the dossier keeps its own record whatever the citizen does."""

import datetime as dt
import io

import pytest
from dossier_support import citizen_client, intake_body, move
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_platform.timezones import VIETNAM
from portal_support import log_in, submit, text
from sqlalchemy import text as sql
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STATUS = "Giấy xác nhận tình trạng hôn nhân"  # the marriage's second required document (index 1)


@pytest.fixture
def citizen(host_client, seeded):
    return citizen_client(host_client, seeded)


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def online_dossier(citizen, seeded) -> str:
    response = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def upload(client, code, body=PDF, component="1", name="xac-nhan.pdf"):
    fields = {"component": component, "file": FileStorage(io.BytesIO(body), filename=name)}
    boundary, data = encode_multipart(fields)
    return client.post(
        f"/api/v1/dossiers/{code}/documents", data=data, content_type=f"multipart/form-data; boundary={boundary}"
    )


def content(client, path) -> bytes:
    response = client.get(path)
    data = response.get_data()
    response.close()  # the stored file is closed, as a WSGI server would
    return data


def kept(client):
    response = client.get("/api/v1/my/documents")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def reused_count(runtime):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.execute(sql("SELECT count(*) FROM dossier_documents WHERE reused_from_id IS NOT NULL")).scalar()


def finish(officer, code):
    """Received, processed, its result returned (10): finished, as every view of the platform has it."""
    for status, version in ((2, 1), (4, 2), (9, 3), (10, 4)):
        assert move(officer, code, status, version).status_code == 200, (code, status)


def test_a_handed_in_document_is_kept_and_given_again_in_the_next_dossier(
    citizen, officer, seeded, runtime, host_client
):
    first = online_dossier(citizen, seeded)
    original = upload(citizen, first).get_json()
    (item,) = kept(citizen)
    assert (item["name"], item["kind"], item["document_id"], item["dossier_code"], item["in_use"]) == (
        STATUS, "component", original["id"], first, True
    )  # fmt: skip
    second = online_dossier(citizen, seeded)
    given = citizen.post(f"/api/v1/dossiers/{second}/documents/reuse", json={"component": "1", "kept_id": item["id"]})
    assert given.status_code == 201, given.get_json()
    copy = given.get_json()
    assert copy["reused_from_id"] == original["id"] and copy["component_name"] == STATUS
    assert copy["sha256"] == original["sha256"] and copy["id"] != original["id"]
    assert content(citizen, copy["download"]) == PDF  # its own copy of the bytes
    assert [entry["document_id"] for entry in kept(citizen)] == [original["id"]]  # the copy is not kept twice
    # the same again: already the answer, nothing new
    again = citizen.post(
        f"/api/v1/dossiers/{second}/documents/reuse", json={"component": STATUS, "kept_id": item["id"]}
    )
    assert again.status_code == 200 and again.get_json()["id"] == copy["id"]
    assert reused_count(runtime) == 1
    # the office sees where it came from
    assert officer.get(f"/api/v1/dossiers/{second}/documents").get_json()[0]["reused_from_id"] == original["id"]
    # QĐ 766 4.3 counts the dossier once it is received: one of the two received this month
    assert move(officer, first, 2, 1).status_code == 200 and move(officer, second, 2, 1).status_code == 200
    period = {"period": "month", "value": dt.datetime.now(VIETNAM).strftime("%Y-%m")}
    admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    rows = {
        row["id"]: row
        for row in admin.get("/api/v1/statistics/indicators", query_string=period).get_json()["indicators"]
    }
    assert (rows["4.3"]["numerator"], rows["4.3"]["denominator"]) == (1, 2)


def test_a_kept_document_of_another_kind_or_someone_elses_is_not_offered(citizen, seeded, host_client, runtime):
    first = online_dossier(citizen, seeded)
    upload(citizen, first)
    (item,) = kept(citizen)
    second = online_dossier(citizen, seeded)
    wrong_kind = citizen.post(
        f"/api/v1/dossiers/{second}/documents/reuse", json={"component": "0", "kept_id": item["id"]}
    )
    assert wrong_kind.status_code == 404  # a status confirmation is no declaration form
    unknown = citizen.post(f"/api/v1/dossiers/{second}/documents/reuse", json={"component": "1", "kept_id": 999999})
    assert unknown.status_code == 404
    bad = citizen.post(f"/api/v1/dossiers/{second}/documents/reuse", json={"component": "1", "kept_id": "1"})
    assert bad.status_code == 422
    # beta's citizen has the same account id: alpha's kept documents are nothing on beta's host
    beta = citizen_client(host_client, seeded, "beta")
    assert kept(beta) == []
    assert reused_count(runtime) == 0
    staff = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert staff.get("/api/v1/my/documents").status_code == 403


def test_removed_only_once_no_unfinished_dossier_uses_it(citizen, officer, seeded, runtime):
    first = online_dossier(citizen, seeded)
    original = upload(citizen, first).get_json()
    (item,) = kept(citizen)
    second = online_dossier(citizen, seeded)
    citizen.post(f"/api/v1/dossiers/{second}/documents/reuse", json={"component": "1", "kept_id": item["id"]})
    assert citizen.delete(f"/api/v1/my/documents/{item['id']}").status_code == 409  # both open
    finish(officer, first)
    still = citizen.delete(f"/api/v1/my/documents/{item['id']}")
    assert still.status_code == 409, still.get_json()  # the second, not finished, gave it again
    finish(officer, second)
    assert kept(citizen)[0]["in_use"] is False
    assert citizen.delete(f"/api/v1/my/documents/{item['id']}").status_code == 204
    assert kept(citizen) == []
    # the dossier keeps its document and bytes
    assert content(citizen, original["download"]) == PDF
    assert citizen.delete(f"/api/v1/my/documents/{item['id']}").status_code == 404


def test_a_result_is_kept_once_it_is_ready(citizen, officer, seeded):
    code = online_dossier(citizen, seeded)
    for status, version in ((2, 1), (4, 2)):
        move(officer, code, status, version)
    fields = {"kind": "result", "file": FileStorage(io.BytesIO(PDF + b"result"), filename="giay-chung-nhan.pdf")}
    boundary, data = encode_multipart(fields)
    attached = officer.post(f"/api/v1/dossiers/{code}/documents", data=data,
                            content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    assert attached.status_code == 201, attached.get_json()
    assert kept(citizen) == []  # not the citizen's before it is returned
    assert move(officer, code, 9, 3).status_code == 200
    assert kept(citizen) == []  # processed: it may still change
    assert move(officer, code, 10, 4).status_code == 200
    (result,) = kept(citizen)
    assert (result["kind"], result["name"]) == ("result", "Giấy chứng nhận kết hôn")


def test_the_portal_offers_them_in_the_next_application_and_lists_them(citizen, host_client, seeded, runtime):
    first = online_dossier(citizen, seeded)
    upload(citizen, first)
    browser = host_client(seeded["alpha"].host, language="vi")
    log_in(browser, "citizen@alpha.test", TEST_PASSWORD)
    second = online_dossier(citizen, seeded)
    page = text(browser.get(f"/my/dossiers/{second}"))
    assert "xac-nhan.pdf" in page and f"({first})" in page
    (item,) = kept(citizen)
    given = submit(browser, f"/my/dossiers/{second}", {"offer": f"1:{item['id']}"},
                   action=f"/my/dossiers/{second}/documents/reuse")  # fmt: skip
    assert given.status_code == 303, text(given)
    assert reused_count(runtime) == 1
    listed = text(browser.get("/my/documents"))
    assert STATUS in listed and "xac-nhan.pdf" in listed
    assert "Gỡ khỏi giấy tờ của tôi" not in listed  # in use by unfinished dossiers: no remove button
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    finish(officer, first)
    finish(officer, second)
    listed = text(browser.get("/my/documents"))
    assert "Gỡ khỏi giấy tờ của tôi" in listed
    removed = submit(browser, "/my/documents", {}, action=f"/my/documents/{item['id']}/forget")
    assert removed.status_code == 303
    assert kept(citizen) == [] and "xac-nhan.pdf" not in text(browser.get("/my/documents"))
