"""A citizen's own dossiers on the portal's pages, through real HTTP and the session cookie: the list and
one dossier, ownership, withdrawal with a stale page, a supplement answered on the pages, the forms and
the result as files. The API checks what the pages changed."""

import datetime as dt
import io
import re

import pytest
from babel.dates import format_datetime
from dossier_support import citizen_client, intake_body, move
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_platform.timezones import VIETNAM
from portal_support import csrf_token, log_in, submit, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHANGED_VI = "Có người khác đã thay đổi hồ sơ này"
CHANGED_EN = "Someone else changed this dossier while you had it open"


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def api(host_client, seeded):
    """The seeded citizen through the API (to submit a dossier and to check what the pages did)."""
    return citizen_client(host_client, seeded)


@pytest.fixture
def browser(host_client, seeded):
    """The seeded citizen in a browser: logged in on the portal with a cookie, no token."""
    client = host_client(seeded["alpha"].host, language="vi")
    log_in(client, "citizen@alpha.test", TEST_PASSWORD)
    return client


@pytest.fixture
def code(api, seeded):
    response = api.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def own(api, code):
    return api.get(f"/api/v1/my/dossiers/{code}").get_json()


def download(client, path):
    response = client.get(path)
    response.get_data()  # buffered, then the stored file is closed as a WSGI server would
    response.close()
    return response


def upload(client, code, body, name="ban-sao.pdf", component="0"):
    page = client.get(f"/my/dossiers/{code}")
    fields = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "component": component,
        "file": FileStorage(io.BytesIO(body), filename=name),
    }
    boundary, data = encode_multipart(fields)
    content_type = f"multipart/form-data; boundary={boundary}"
    return client.post(f"/my/dossiers/{code}/documents", data=data, content_type=content_type)


def test_the_list_leads_to_the_dossier_with_its_dates_step_and_history(browser, officer, api, code):
    assert move(officer, code, 2, 1).status_code == 200
    listed = browser.get("/my/dossiers")
    assert listed.status_code == 200
    assert f'href="/my/dossiers/{code}"' in listed.get_data(as_text=True)
    assert "Được tiếp nhận" in text(listed)  # the status in words

    page = browser.get(f"/my/dossiers/{code}")
    assert page.status_code == 200
    html = text(page)
    dossier = own(api, code)
    assert code in html and "Đăng ký kết hôn" in html and "Được tiếp nhận" in html
    for name in ("submitted_at", "received_at", "due_at"):  # in the province's time zone, Vietnamese style
        instant = dt.datetime.fromisoformat(dossier[name])
        assert format_datetime(instant, "HH:mm 'ngày' dd/MM/yyyy", tzinfo=VIETNAM, locale="vi") in html, name
    assert [entry["status_name"] for entry in dossier["history"]] == ["Mới đăng ký", "Được tiếp nhận"]
    assert html.index("Mới đăng ký") < html.index("Cán bộ")  # the history, who acted as a role
    assert f'href="/my/dossiers/{code}/forms/01.pdf"' in html  # the receipt, now that it was received
    assert f'href="/my/dossiers/{code}/withdraw"' in html  # status 2 may still be withdrawn

    english = text(browser.get(f"/my/dossiers/{code}?lang=en"))
    assert (
        "Received by the office" in english and "Receipt and appointment (form 01)" in english and "Officer" in english
    )


def test_the_list_filters_by_status(browser, officer, api, seeded, code):
    other = api.post("/api/v1/dossiers", json=intake_body(seeded, "online")).get_json()["code"]
    assert move(officer, code, 2, 1).status_code == 200
    received = browser.get("/my/dossiers?status=2").get_data(as_text=True)
    assert code in received and other not in received
    waiting = browser.get("/my/dossiers?status=1").get_data(as_text=True)
    assert other in waiting and code not in waiting
    assert "Bạn không có hồ sơ nào ở trạng thái này" in text(browser.get("/my/dossiers?status=9"))


def test_someone_elses_dossier_is_a_404_on_every_page(host_client, seeded, api, code):
    anonymous = host_client(seeded["alpha"].host, language="vi")
    away = anonymous.get(f"/my/dossiers/{code}")
    assert away.status_code == 303 and "/login?next=" in away.headers["Location"]
    assert (
        anonymous.post(
            "/api/v1/account/register",
            json={
                "email": "la@example.vn",
                "full_name": "Người Lạ",
                "national_id": "001195012345",
                "password": TEST_PASSWORD,
            },
        ).status_code
        == 201
    )
    stranger = host_client(seeded["alpha"].host, language="vi")
    log_in(stranger, "la@example.vn", TEST_PASSWORD)
    assert stranger.get("/my/dossiers").get_data(as_text=True).count(code) == 0
    for path in ("", "/withdraw", "/forms/02.pdf", "/documents/1"):
        response = stranger.get(f"/my/dossiers/{code}{path}")
        assert response.status_code == 404 and response.mimetype == "text/html", path
    page = stranger.get("/my/dossiers")
    token = csrf_token(page.get_data(as_text=True))
    refused = stranger.post(f"/my/dossiers/{code}/withdraw", data={"csrf_token": token, "version": "1", "reason": "x"})
    assert refused.status_code == 404
    assert own(api, code)["status"] == 1  # nothing happened to it


def test_withdrawing_from_a_stale_page_changes_nothing_and_says_why(browser, officer, api, code):
    form = browser.get(f"/my/dossiers/{code}/withdraw")
    html = form.get_data(as_text=True)
    assert 'name="version" value="1"' in html and 'name="reason"' in html
    assert move(officer, code, 2, 1).status_code == 200  # meanwhile, the office receives it (version 2)

    data = {"csrf_token": csrf_token(html), "version": "1", "reason": "Tôi nộp nhầm thủ tục"}
    stale = browser.post(f"/my/dossiers/{code}/withdraw", data=data)
    assert stale.status_code == 409
    page = text(stale)
    assert CHANGED_VI in page and "Được tiếp nhận" in page  # the clear message and the current state
    dossier = own(api, code)
    assert dossier["status"] == 2 and dossier["version"] == 2
    assert [entry["to_status"] for entry in dossier["history"]] == [1, 2]

    missing = submit(browser, f"/my/dossiers/{code}/withdraw", {"version": "2", "reason": "  "})
    assert missing.status_code == 422
    assert 'aria-invalid="true"' in missing.get_data(as_text=True) and "Hãy cho biết lý do" in text(missing)
    done = submit(browser, f"/my/dossiers/{code}/withdraw", {"version": "2", "reason": "Tôi nộp nhầm thủ tục"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/my/dossiers/{code}")
    dossier = own(api, code)
    assert dossier["status"] == 7 and dossier["history"][-1]["comment"] == "Tôi nộp nhầm thủ tục"
    assert dossier["history"][-1]["by"] == "citizen"
    after = text(browser.get(f"/my/dossiers/{code}"))
    assert "Công dân yêu cầu rút hồ sơ" in after and f"/my/dossiers/{code}/withdraw" not in after


def test_stale_page_in_english(browser, officer, code):
    html = browser.get(f"/my/dossiers/{code}/withdraw?lang=en").get_data(as_text=True)
    assert "Withdraw dossier" in html
    assert move(officer, code, 2, 1).status_code == 200
    data = {"csrf_token": csrf_token(html), "version": "1", "reason": "Wrong procedure"}
    stale = browser.post(f"/my/dossiers/{code}/withdraw", data=data)
    assert stale.status_code == 409 and CHANGED_EN in text(stale)


def test_a_supplement_is_uploaded_and_reported_on_the_pages(browser, officer, api, code):
    for status, version in ((2, 1), (4, 2)):
        assert move(officer, code, status, version).status_code == 200
    assert move(officer, code, 5, 3, "Bổ sung bản sao giấy khai sinh").status_code == 200
    page = text(browser.get(f"/my/dossiers/{code}"))
    assert "Bổ sung bản sao giấy khai sinh" in page  # the reason, shown to the citizen
    assert f'action="/my/dossiers/{code}/supplement-done"' in page

    wrong = upload(browser, code, b"MZ not a document", name="virus.pdf")
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.get_data(as_text=True)
    assert "không phải tệp PDF, JPEG hoặc PNG" in text(wrong)
    assert api.get(f"/api/v1/dossiers/{code}/documents").get_json() == []  # nothing stored

    stored = upload(browser, code, PDF)
    assert stored.status_code == 303 and stored.headers["Location"].endswith(f"/my/dossiers/{code}#documents")
    [document] = api.get(f"/api/v1/dossiers/{code}/documents").get_json()
    assert document["component_index"] == 0 and document["uploaded_by"].startswith("citizen:")
    page = browser.get(f"/my/dossiers/{code}").get_data(as_text=True)
    link = f"/my/dossiers/{code}/documents/{document['id']}"
    assert link in page
    downloaded = download(browser, link)
    assert downloaded.status_code == 200 and downloaded.get_data() == PDF
    assert downloaded.headers["Content-Disposition"].startswith("attachment")

    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert version == "4"
    reported = submit(
        browser,
        f"/my/dossiers/{code}",
        {"version": version, "comment": "Đã tải lên bản sao"},
        action=f"/my/dossiers/{code}/supplement-done",
    )
    assert reported.status_code == 303
    dossier = own(api, code)  # as the API's supplement-done would: back to processing, the due date moved
    assert dossier["status"] == 4 and dossier["version"] == 5 and dossier["extended_due_at"] is not None
    assert dossier["history"][-1] | {"at": None} == {
        "action": "supplement_done",
        "from_status": 5,
        "to_status": 4,
        "status_name": "Đang xử lý",
        "by": "citizen",
        "comment": "Đã tải lên bản sao",
        "at": None,
    }
    after = text(browser.get(f"/my/dossiers/{code}"))
    assert "supplement-done" not in after and "Đang xử lý" in after
    assert upload(browser, code, PDF, name="khac.pdf").status_code == 409  # no more uploads in status 4


def test_forms_and_the_result_download(browser, officer, api, code):
    assert move(officer, code, 2, 1).status_code == 200
    receipt = browser.get(f"/my/dossiers/{code}/forms/01.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    assert receipt.get_data().startswith(b"%PDF")
    assert browser.get(f"/my/dossiers/{code}/forms/06.pdf").status_code == 403  # the office's own slip
    assert browser.get(f"/my/dossiers/{code}/forms/03.pdf").status_code == 409  # not refused

    assert move(officer, code, 4, 2).status_code == 200
    fields = {"kind": "result", "file": FileStorage(io.BytesIO(PDF), filename="giay-chung-nhan.pdf")}
    boundary, data = encode_multipart(fields)
    result = officer.post(
        f"/api/v1/dossiers/{code}/documents", data=data, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert result.status_code == 201, result.get_json()
    assert "giay-chung-nhan.pdf" not in browser.get(f"/my/dossiers/{code}").get_data(as_text=True)
    assert move(officer, code, 9, 3).status_code == 200
    assert move(officer, code, 10, 4).status_code == 200
    page = browser.get(f"/my/dossiers/{code}").get_data(as_text=True)
    link = f"/my/dossiers/{code}/documents/{result.get_json()['id']}"
    assert "giay-chung-nhan.pdf" in page and link in page
    assert download(browser, link).get_data() == PDF
