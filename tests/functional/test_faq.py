"""Frequently asked questions (issue 16, item 5) through real HTTP: made from the catalogue, searched
without accents on the API and the portal, shown on the procedure's page, edited by the admins of the units
that answer them, each refusal with nothing written; one province never sees another's."""

import re

import pytest
from portal_support import console_client, submit, text
from sqlalchemy import text as sql

MARRIAGE = "1.000894"
BIRTH = "1.001193"


def stored(runtime, query, slug="alpha", **params):
    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        return session.execute(sql(query), params).all()


def count(runtime, slug="alpha"):
    return stored(runtime, "SELECT count(*) FROM faq_entries", slug)[0][0]


def audited(runtime, action):
    return stored(runtime, "SELECT target FROM audit_events WHERE action = :a", a=action)


@pytest.fixture
def generated(alpha):
    response = alpha.post("/api/v1/faq/generate")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["added"]


@pytest.fixture
def commune_admin(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["commune_admin"])


@pytest.fixture
def public(host_client, seeded):
    return host_client(seeded["alpha"].host)


def search(client, **args):
    response = client.get("/api/v1/faq", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), int(response.headers["X-Pagination"].split('"total": ')[1].split(",")[0])


def entry_body(seeded, **changes):
    return {
        "unit_id": seeded["alpha"].units["commune_a"],
        "question": "Xã A làm việc sáng thứ Bảy không?",
        "answer": "Có, từ 7 giờ 30 đến 11 giờ 30.",
        **changes,
    }


def test_the_catalogue_gives_every_topic_of_each_procedure_once(alpha, runtime, seeded, generated):
    assert generated == count(runtime)
    rows = stored(runtime, "SELECT topic, question FROM faq_entries WHERE procedure_code = :c", c=MARRIAGE)
    topics = {row.topic: row.question for row in rows}
    # the marriage registration: its declaration (a form: always the original, no question), a paper, a fee
    # with exemptions, commune level at two communes
    communes = {f"where:{seeded['alpha'].units[key]}" for key in ("commune_a", "commune_b")}
    papers = {topic for topic in topics if topic.startswith("document:")}
    exemptions = {topic for topic in topics if topic.startswith("exemptions:")}
    assert set(topics) - papers - exemptions == {
        "documents", "fees", "time", "where", "online", "result", "applicants", "form", "steps", "legal_basis",
        *communes,
    }  # fmt: skip
    assert [topics[topic] for topic in papers] == [
        "Khi làm thủ tục đăng ký kết hôn, giấy xác nhận tình trạng hôn nhân cần nộp bản chính hay bản sao?"
    ]
    assert len(exemptions) == 1
    procedures = stored(runtime, "SELECT count(DISTINCT procedure_code) FROM faq_entries")[0][0]
    published = stored(runtime, "SELECT count(*) FROM procedures WHERE status = 'published'")[0][0]
    assert procedures == published
    # the answer is the catalogue's fact: the time limit of the marriage registration, 5 working days
    (answer,) = stored(
        runtime, "SELECT answer FROM faq_entries WHERE procedure_code = :c AND topic = 'time'", c=MARRIAGE
    )
    assert answer.answer.startswith("Thời hạn giải quyết là 5 ngày làm việc") and "Tết" in answer.answer
    # a commune's own question is that commune's to answer
    topic = f"where:{seeded['alpha'].units['commune_b']}"
    (row,) = stored(runtime, "SELECT unit_id, question FROM faq_entries WHERE procedure_code = :c AND topic = :t",
                    c=MARRIAGE, t=topic)  # fmt: skip
    assert row.unit_id == seeded["alpha"].units["commune_b"] and "commune_b of Tỉnh Alpha" in row.question
    again = alpha.post("/api/v1/faq/generate")
    assert again.get_json() == {"added": 0, "rewritten": 0, "removed": 0} and count(runtime) == generated
    assert audited(runtime, "faq.generate")


def test_making_them_again_follows_the_catalogue_but_keeps_what_the_province_edited(alpha, runtime, generated):
    def marriage(topic):
        query = "SELECT id, answer FROM faq_entries WHERE procedure_code = :c AND topic = :t"
        return stored(runtime, query, c=MARRIAGE, t=topic)

    (fees,), (time,), (online,) = marriage("fees"), marriage("time"), marriage("online")
    assert alpha.patch(f"/api/v1/faq/{fees.id}", json={"answer": "Miễn lệ phí."}).status_code == 200
    assert alpha.delete(f"/api/v1/faq/{time.id}").status_code == 204
    # the catalogue changes: the marriage's time limit becomes 3 working days, fully online
    changed = alpha.patch(f"/api/v1/procedures/{MARRIAGE}", json={"time_limit_value": 3, "online_mode": "full"})
    assert changed.status_code == 200, changed.get_json()
    assert alpha.post(f"/api/v1/procedures/{MARRIAGE}/publish").status_code == 200
    made = alpha.post("/api/v1/faq/generate").get_json()
    assert made == {"added": 1, "rewritten": 1, "removed": 0}  # the time (deleted), the online answer
    assert marriage("fees")[0].answer == "Miễn lệ phí."  # edited: kept as written
    assert marriage("time")[0].answer.startswith("Thời hạn giải quyết là 3 ngày làm việc")  # deleted: back, new
    assert marriage("online")[0].answer.startswith("Có. Thủ tục được thực hiện trực tuyến toàn trình")
    assert marriage("online")[0].id == online.id  # rewritten in place: its link still works
    # retired, the procedure's questions are hidden at once and removed by the next run, but the edited one
    assert alpha.post(f"/api/v1/procedures/{MARRIAGE}/retire").status_code == 200
    assert alpha.get("/api/v1/faq", query_string={"procedure": MARRIAGE}).get_json() == []
    again = alpha.post("/api/v1/faq/generate").get_json()
    assert again["removed"] > 10
    assert [row.answer for row in stored(runtime, "SELECT answer FROM faq_entries WHERE procedure_code = :c",
                                         c=MARRIAGE)] == ["Miễn lệ phí."]  # fmt: skip


def test_very_long_names_and_many_papers_still_fit(alpha, runtime):
    long_name = "Thủ tục " + "cấp giấy chứng nhận quyền sử dụng đất " * 10
    body = {
        "code": "9.900001",
        "name_vi": long_name[:400],
        "field": "Đất đai",
        "level": "province",
        "competent_unit_kind": "department",
        "time_limit_value": 30,
        "time_limit_unit": "days",
        "online_mode": "partial",
        "documents": [{"name": f"Giấy tờ số {n} " + "về nguồn gốc sử dụng đất " * 10} for n in range(40)],
        "fees": [],
    }
    created = alpha.post("/api/v1/procedures", json=body)
    assert created.status_code == 201, created.get_json()
    assert alpha.post("/api/v1/procedures/9.900001/publish").status_code == 200
    made = alpha.post("/api/v1/faq/generate")
    assert made.status_code == 200, made.get_json()
    rows = stored(runtime, "SELECT question, answer FROM faq_entries WHERE procedure_code = '9.900001'")
    assert len(rows) >= 40
    assert max(len(row.question) for row in rows) <= 500 and max(len(row.answer) for row in rows) <= 5000
    (documents,) = stored(
        runtime, "SELECT answer FROM faq_entries WHERE procedure_code = '9.900001' AND topic = 'documents'"
    )
    assert documents.answer.endswith("…")
    (time,) = stored(runtime, "SELECT answer FROM faq_entries WHERE procedure_code = '9.900001' AND topic = 'time'")
    assert "tính cả ngày nghỉ" in time.answer  # calendar days: holidays count


def test_only_an_admin_of_the_province_itself_makes_them(commune_admin, public, runtime, seeded, host_client):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert commune_admin.post("/api/v1/faq/generate").status_code == 403
    assert officer.post("/api/v1/faq/generate").status_code == 403
    assert public.post("/api/v1/faq/generate").status_code == 401
    assert count(runtime) == 0


def test_search_ignores_accents_and_ranks_the_question_first(public, generated):
    found, total = search(public, q="le phi ket hon")
    assert total >= 1
    assert found[0]["question"] == "Phí, lệ phí đăng ký kết hôn là bao nhiêu?"
    assert found[0]["procedure_code"] == MARRIAGE and found[0]["field"] == "Hộ tịch"
    # accents typed or not, prefixes of words: the same answer
    assert search(public, q="Lệ phí kết hôn")[0][0]["id"] == found[0]["id"]
    assert search(public, q="LE PHI KET HO")[0][0]["id"] == found[0]["id"]
    # every word must start a word of the entry
    assert search(public, q="le phi ket hon xyzzy")[1] == 0
    # the English pair is searched too, and given
    english, _ = search(public, q="marriage cost")
    assert english[0]["question_en"] == "How much does marriage registration cost?"
    # a word found only in an answer, at the end of its sentence ("… ngày nghỉ lễ, Tết.")
    in_answer, _ = search(public, q="ket hon tet")
    assert [entry["question"] for entry in in_answer] == ["Thủ tục đăng ký kết hôn được giải quyết trong bao lâu?"]
    # filters: a procedure's questions, a field's
    about, about_total = search(public, procedure=MARRIAGE, page_size=100)
    assert about_total == len([e for e in about if e["procedure_code"] == MARRIAGE]) and about_total > 10
    assert {e["field"] for e in search(public, field="Hộ tịch", page_size=100)[0]} == {"Hộ tịch"}


def test_an_admin_edits_the_entries_of_their_units_only(commune_admin, alpha, public, runtime, seeded):
    created = commune_admin.post("/api/v1/faq", json=entry_body(seeded))
    assert created.status_code == 201, created.get_json()
    entry = created.get_json()
    assert entry["published"] is True and entry["topic"] is None
    assert search(public, q="thu bay")[0][0]["id"] == entry["id"]
    # the province's root is above the commune admin: not theirs to answer for
    refused = commune_admin.post("/api/v1/faq", json=entry_body(seeded, unit_id=seeded["alpha"].units["root"]))
    assert refused.status_code == 422 and "unit_id" in refused.get_json()["errors"]
    province = alpha.post(
        "/api/v1/faq", json=entry_body(seeded, unit_id=seeded["alpha"].units["root"], question="Tỉnh?")
    )
    assert province.status_code == 201
    other = province.get_json()["id"]
    assert commune_admin.patch(f"/api/v1/faq/{other}", json={"answer": "Không."}).status_code == 404
    assert commune_admin.delete(f"/api/v1/faq/{other}").status_code == 404
    # nor may they move their own entry out of their reach
    moved = commune_admin.patch(f"/api/v1/faq/{entry['id']}", json={"unit_id": seeded["alpha"].units["root"]})
    assert moved.status_code == 422
    # unpublished: gone from the portal and the public API, still theirs to see
    hidden = commune_admin.patch(f"/api/v1/faq/{entry['id']}", json={"published": False})
    assert hidden.status_code == 200 and hidden.get_json()["published"] is False
    assert search(public, q="thu bay")[1] == 0
    assert public.get(f"/api/v1/faq/{entry['id']}").status_code == 404
    drafts, _ = search(commune_admin, q="thu bay", drafts="true")
    assert [d["id"] for d in drafts] == [entry["id"]]
    assert public.get("/api/v1/faq", query_string={"drafts": "true"}).status_code == 401
    assert commune_admin.delete(f"/api/v1/faq/{entry['id']}").status_code == 204
    assert [row.target for row in audited(runtime, "faq.delete")] == [f"faq:{entry['id']}"]
    assert {row.target for row in audited(runtime, "faq.create")} == {f"faq:{entry['id']}", f"faq:{other}"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"question": "   "}, "question"),
        ({"answer": ""}, "answer"),
        ({"question": "x" * 501}, "question"),
        ({"answer": "x" * 5001}, "answer"),
        ({"question_en": "Only the question in English?"}, "answer_en"),
        ({"unit_id": 999999}, "unit_id"),
        ({"procedure_code": "9.999999"}, "procedure_code"),
    ],
)
def test_bad_input_is_refused_beside_its_field_with_nothing_written(alpha, runtime, seeded, changes, field):
    response = alpha.post("/api/v1/faq", json=entry_body(seeded, **changes))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert count(runtime) == 0
    assert not audited(runtime, "faq.create")


def test_a_change_that_is_refused_changes_nothing(alpha, runtime, seeded):
    entry = alpha.post("/api/v1/faq", json=entry_body(seeded)).get_json()
    refused = alpha.patch(f"/api/v1/faq/{entry['id']}", json={"question": "Mới?", "answer": "x" * 5001})
    assert refused.status_code == 422
    (row,) = stored(runtime, "SELECT question, answer FROM faq_entries WHERE id = :i", i=entry["id"])
    assert (row.question, row.answer) == (entry["question"], entry["answer"])
    assert not audited(runtime, "faq.update")


def test_one_province_never_sees_another_provinces_questions(alpha, beta, host_client, seeded, runtime):
    entry = alpha.post("/api/v1/faq", json=entry_body(seeded)).get_json()
    beta_public = host_client(seeded["beta"].host)
    assert beta_public.get(f"/api/v1/faq/{entry['id']}").status_code == 404
    assert search(beta_public, q="thu bay")[1] == 0
    assert beta.patch(f"/api/v1/faq/{entry['id']}", json={"answer": "Không."}).status_code == 404
    assert count(runtime, "beta") == 0


def test_the_portal_searches_and_the_procedure_page_shows_its_questions(host_client, seeded, generated):
    browser = host_client(seeded["alpha"].host, language="vi")
    page = browser.get("/faq", query_string={"q": "le phi ket hon"})
    assert page.status_code == 200
    html = text(page)
    assert "Phí, lệ phí đăng ký kết hôn là bao nhiêu?" in html
    assert "<details>" in html  # each answer unfolds without script
    empty = text(browser.get("/faq", query_string={"q": "xyzzy"}))
    assert "Tìm thấy 0 câu hỏi" in empty
    procedure = text(browser.get(f"/procedures/{MARRIAGE}"))
    assert "Hồ sơ đăng ký kết hôn gồm những giấy tờ gì?" in procedure
    assert f"/faq?procedure={MARRIAGE}" in procedure  # more than the page shows: the link to them all
    # in English, the English pair
    english = text(host_client(seeded["alpha"].host, language="en").get("/faq", query_string={"q": "marriage cost"}))
    assert "How much does marriage registration cost?" in english
    (entry_id,) = [e["id"] for e in search(browser, q="le phi ket hon")[0][:1]]
    single = browser.get(f"/faq/{entry_id}")
    assert single.status_code == 200 and "Phí, lệ phí đăng ký kết hôn là bao nhiêu?" in text(single)
    assert browser.get("/faq/999999").status_code == 404


def test_the_console_adds_edits_and_deletes_a_question(host_client, seeded, runtime):
    console = console_client(host_client, seeded["alpha"].host, "commune_admin@alpha.test")
    listed = console.get("/console/admin/faq")
    assert listed.status_code == 200
    assert "Make the missing questions" not in text(listed)  # the province's admin's, not a commune's
    commune_a = seeded["alpha"].units["commune_a"]
    added = submit(console, "/console/admin/faq/new", {
        "question": "Xã A làm việc sáng thứ Bảy không?", "answer": "Có.", "unit_id": str(commune_a), "published": "1",
    })  # fmt: skip
    assert added.status_code == 303, text(added)
    (row,) = stored(runtime, "SELECT id, published FROM faq_entries")
    assert row.published is True
    path = f"/console/admin/faq/{row.id}"
    refused = submit(console, path, {"question": "", "answer": "Có.", "unit_id": str(commune_a), "published": "1"})
    assert refused.status_code == 422 and "Enter the question." in text(refused)
    assert stored(runtime, "SELECT question FROM faq_entries")[0][0] == "Xã A làm việc sáng thứ Bảy không?"
    saved = submit(console, path, {"question": "Xã A có làm việc thứ Bảy?", "answer": "Có.", "unit_id": str(commune_a)})
    assert saved.status_code == 303
    (row,) = stored(runtime, "SELECT question, published FROM faq_entries")
    assert row == ("Xã A có làm việc thứ Bảy?", False)  # the box left unticked: no longer published
    outside = submit(console, path, {"question": "Q?", "answer": "A.", "unit_id": str(seeded["alpha"].units["root"])})
    assert outside.status_code == 422
    deleted = submit(console, path, action=f"{path}/delete")
    assert deleted.status_code == 303 and count(runtime) == 0


def test_the_province_admin_makes_them_from_the_console_and_sees_each_unit_against_the_plan(
    host_client, seeded, runtime
):
    console = console_client(host_client, seeded["alpha"].host, "admin@alpha.test")
    made = submit(console, "/console/admin/faq", action="/console/admin/faq/generate")
    assert made.status_code == 303
    assert count(runtime) > 100
    page = text(console.get("/console/admin/faq"))
    assert "commune_a of Tỉnh Alpha" in page and "100" in page and "to go" in page
    commune = console_client(host_client, seeded["alpha"].host, "commune_admin@alpha.test")
    assert submit(commune, "/console/admin/faq", action="/console/admin/faq/generate").status_code == 403
    officer = console_client(host_client, seeded["alpha"].host, "officer@alpha.test")
    assert officer.get("/console/admin/faq").status_code == 403


def test_a_question_about_a_procedure_shows_on_its_page(alpha, host_client, seeded):
    body = entry_body(
        seeded, question="Đăng ký kết hôn có cần hẹn trước không?", answer="Không.", procedure_code=MARRIAGE,
        field="Hộ tịch",
    )  # fmt: skip
    assert alpha.post("/api/v1/faq/generate").status_code == 200  # the catalogue's questions are there too
    created = alpha.post("/api/v1/faq", json=body)
    assert created.status_code == 201, created.get_json()
    page = text(host_client(seeded["alpha"].host).get(f"/procedures/{MARRIAGE}"))
    # the province's own question comes first, before the catalogue's
    questions = re.findall(r"<summary>([^<]+)</summary>", page)
    assert questions[0] == "Đăng ký kết hôn có cần hẹn trước không?" and len(questions) == 6
    assert "Đăng ký kết hôn có cần hẹn trước không?" not in text(
        host_client(seeded["alpha"].host).get(f"/procedures/{BIRTH}")
    )


def test_a_page_past_the_last_says_how_many_there_are(host_client, seeded, generated):
    browser = host_client(seeded["alpha"].host, language="vi")
    last = text(browser.get("/faq", query_string={"q": "ket hon", "page": "99"}))
    assert re.search(r"Tìm thấy \d+ câu hỏi", last) and "Tìm thấy 0 câu hỏi" not in last
    assert "Không có câu hỏi nào phù hợp" not in last
    assert browser.get("/faq", query_string={"page": "²"}).status_code == 200  # not a number: the first page
    found, total = search(browser, q="ket hon", page=99)
    assert found == [] and total > 10


def test_the_console_hides_another_units_entries(host_client, seeded, alpha):
    province = alpha.post("/api/v1/faq", json=entry_body(seeded, unit_id=seeded["alpha"].units["root"])).get_json()
    console = console_client(host_client, seeded["alpha"].host, "commune_admin@alpha.test")
    assert console.get(f"/console/admin/faq/{province['id']}").status_code == 404
    assert (
        submit(console, "/console/admin/faq", action=f"/console/admin/faq/{province['id']}/delete").status_code == 404
    )
    assert "Xã A làm việc sáng thứ Bảy không?" not in text(console.get("/console/admin/faq"))


def test_a_unit_with_questions_is_closed_not_deleted(alpha, seeded, runtime):
    unit = alpha.post("/api/v1/units", json={"kind": "commune", "code": "000.00.78.A01", "name": "Xã Tạm",
                                             "parent_id": seeded["alpha"].units["root"]}).get_json()  # fmt: skip
    assert alpha.post("/api/v1/faq", json=entry_body(seeded, unit_id=unit["id"])).status_code == 201
    refused = alpha.delete(f"/api/v1/units/{unit['id']}")
    assert refused.status_code == 409, refused.get_json()
    assert count(runtime) == 1
