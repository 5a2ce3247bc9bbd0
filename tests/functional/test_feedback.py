"""Feedback and complaints (PAKN; issue 16, item 4) through real HTTP: anyone sends one on the portal and
follows it through a private link; the province assigns it, the unit asks for more, answers and publishes
it without personal data; the person rates the answer; the legal times are on the working calendar; the
province's QĐ 766 items 5.2 and 5.3 are counted from it. Every refusal writes nothing."""

import datetime as dt
import re

import pytest
from motcua_onestop.feedback import services as feedback
from motcua_platform.audit.services import Actor
from motcua_platform.errors import Conflict
from motcua_platform.timezones import VIETNAM
from portal_support import console_client, csrf_token, fresh_address, submit, text
from sqlalchemy import text as sql

LINK = re.compile(r"/feedback/t/([A-Za-z0-9_\-]+)")
SYSTEM = Actor("system", None, "test")
FORM = {
    "kind": "reflection",
    "category": "delay",
    "title": "Hồ sơ trễ hẹn",
    "content": "Hồ sơ của tôi trễ hẹn 3 ngày. Gọi tôi: 0901234567, email an@example.vn.",
    "name": "Nguyễn Văn An",
    "contact": "0901234567",
}


def stored(runtime, query, slug="alpha", **params):
    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        return session.execute(sql(query), params).all()


def count(runtime, slug="alpha"):
    return stored(runtime, "SELECT count(*) FROM feedback_items", slug)[0][0]


def send(host_client, seeded, data=None, address=None):
    """A visitor sends feedback on alpha's portal; the response and the private link's path (if sent)."""
    browser = host_client(seeded["alpha"].host)
    response = submit(browser, "/feedback/new", {**FORM, **(data or {})},
                      environ_base={"REMOTE_ADDR": address or fresh_address()})  # fmt: skip
    if response.status_code != 303:
        return response, browser, None
    assert response.headers["Location"] == "/feedback/sent"
    shown = browser.get("/feedback/sent")  # the link, shown once
    assert shown.headers["Cache-Control"] == "no-store"
    assert browser.get("/feedback/sent").status_code == 404  # not twice
    return shown, browser, LINK.search(text(shown)).group(0)


@pytest.fixture
def sent(host_client, seeded, runtime):
    response, browser, link = send(host_client, seeded)
    assert response.status_code == 200, text(response)
    (item_id,) = stored(runtime, "SELECT id FROM feedback_items")[0]
    return browser, link, item_id


@pytest.fixture
def province(host_client, seeded):
    return console_client(host_client, seeded["alpha"].host, "admin@alpha.test")


@pytest.fixture
def commune_officer(host_client, seeded):
    return console_client(host_client, seeded["alpha"].host, "officer@alpha.test")


def post(browser, path, data):
    """POST ``data`` with the browser session's CSRF token (from a page with a form), as a page's form does."""
    token = csrf_token(browser.get("/feedback/new").get_data(as_text=True))
    return browser.post(path, data={**data, "csrf_token": token})


def act(client, item_id, action, data):
    return submit(client, f"/console/feedback/{item_id}", data, action=f"/console/feedback/{item_id}/{action}")


def test_anyone_sends_feedback_and_follows_it_through_the_private_link(sent, runtime, host_client, seeded):
    browser, link, _item_id = sent
    (row,) = stored(
        runtime, "SELECT code, access_sha256, status, submitter_name, citizen_account_id FROM feedback_items"
    )
    assert row.status == "received" and row.submitter_name == "Nguyễn Văn An" and row.citizen_account_id is None
    token = link.rsplit("/", 1)[1]
    assert token not in row.access_sha256  # only its hash is kept
    page = text(browser.get(link))
    assert row.code in page and "Hồ sơ trễ hẹn" in page
    # a forged link, and another province's host, know nothing of it
    assert browser.get(link[:-3] + "abc").status_code == 404
    assert host_client(seeded["beta"].host).get(link).status_code == 404
    assert stored(runtime, "SELECT action FROM audit_events WHERE target = :t", t=f"feedback:{row.code}")


def test_the_legal_times_are_counted_on_the_working_calendar(runtime):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        # Friday 13 March 2026, 16:00: the weekend is not counted
        friday = dt.datetime(2026, 3, 13, 16, 0, tzinfo=VIETNAM)
        item, _token = feedback.submit(session, SYSTEM, feedback.Submission(**{**FORM, "repeat_of": None}), now=friday)
        local = {name: getattr(item, name).astimezone(VIETNAM).date()
                 for name in ("reject_due_at", "info_due_at", "answer_due_at")}  # fmt: skip
        assert local == {
            "reject_due_at": dt.date(2026, 3, 17),  # Mon 16, Tue 17
            "info_due_at": dt.date(2026, 3, 20),  # Mon 16 … Fri 20
            "answer_due_at": dt.date(2026, 4, 3),  # 15 working days: 16–20, 23–27, 30 March – 3 April
        }
        # asked for more on Wed 18 March, answered by the person on Monday 23: 15 working days from then
        feedback.request_info(
            session, SYSTEM, item, "Cho biết mã hồ sơ.", now=dt.datetime(2026, 3, 18, 9, tzinfo=VIETNAM)
        )
        feedback.give_info(session, SYSTEM, item, "Mã hồ sơ là …", now=dt.datetime(2026, 3, 23, 9, tzinfo=VIETNAM))
        assert item.answer_due_at.astimezone(VIETNAM).date() == dt.date(2026, 4, 13)  # 24 March … 13 April
        feedback.answer(session, SYSTEM, item, "Đã xử lý.", now=dt.datetime(2026, 4, 10, 15, tzinfo=VIETNAM))
        assert item.publish_due_at.astimezone(VIETNAM).date() == dt.date(2026, 4, 14)  # Mon 13, Tue 14
        session.rollback()


def test_the_province_assigns_the_unit_asks_answers_and_publishes_and_the_person_rates(
    sent, province, commune_officer, runtime, seeded, host_client
):
    browser, link, item_id = sent
    # not yet assigned: the commune's officer does not see it; the province's staff do
    assert commune_officer.get(f"/console/feedback/{item_id}").status_code == 404
    assert "Hồ sơ trễ hẹn" in text(province.get("/console/feedback"))
    assigned = act(province, item_id, "assign", {"unit_id": str(seeded["alpha"].units["commune_a"])})
    assert assigned.status_code == 303
    # now the commune's officer handles it, and may not assign it elsewhere
    assert "Hồ sơ trễ hẹn" in text(commune_officer.get("/console/feedback"))
    assert (
        act(commune_officer, item_id, "assign", {"unit_id": str(seeded["alpha"].units["commune_b"])}).status_code == 403
    )
    asked = act(commune_officer, item_id, "request_info", {"request": "Cho biết mã hồ sơ."})
    assert asked.status_code == 303
    # the person answers through the link
    page = text(browser.get(link))
    assert "Cho biết mã hồ sơ." in page
    empty = submit(browser, link, {"info": "  "}, action=f"{link}/info")
    assert empty.status_code == 422
    assert stored(runtime, "SELECT status FROM feedback_items")[0].status == "info_requested"
    assert (
        submit(browser, link, {"info": "Mã hồ sơ 000.00.51.A01-261207-0001"}, action=f"{link}/info").status_code == 303
    )
    # rating before the answer: refused
    assert post(browser, f"{link}/rating", {"level": "4"}).status_code == 409
    answered = act(
        commune_officer, item_id, "answer", {"answer": "Hồ sơ đã có kết quả ngày 10/12; xin lỗi ông vì sự chậm trễ."}
    )
    assert answered.status_code == 303
    # publishing with the phone number or the name still in it is refused, nothing published
    public_text = {
        "public_title": "Hồ sơ hộ tịch trễ hẹn",
        "public_content": "Một hồ sơ hộ tịch trễ hẹn 3 ngày.",
        "public_answer": "Hồ sơ đã có kết quả; xin lỗi vì sự chậm trễ.",
    }
    for field, value in (
        ("public_content", "Gọi 0901 234 567"),
        ("public_title", "Ông Nguyễn Văn An phản ánh"),
        ("public_title", "Ong nguyen van  an phan anh"),  # without accents, spacing aside
        ("public_answer", "Xin lỗi ông An (an@example.vn)."),
        ("public_answer", "CCCD 079 090 001 111 đã được kiểm tra."),
    ):
        refused = act(commune_officer, item_id, "publish", {**public_text, field: value})
        assert refused.status_code == 422, (field, value)
        assert f'id="error-{field}"' in refused.get_data(as_text=True) and "Remove the person" in text(refused)
    assert stored(runtime, "SELECT status FROM feedback_items")[0].status == "answered"
    # the form starts from the texts without the phone and the e-mail (the officer reads the rest)
    form = commune_officer.get(f"/console/feedback/{item_id}").get_data(as_text=True)
    prefilled = re.search(r'<textarea id="field-public_content"[^>]*>([^<]*)</textarea>', form).group(1)
    assert "Hồ sơ của tôi trễ hẹn 3 ngày." in prefilled
    assert "0901234567" not in prefilled and "an@example.vn" not in prefilled
    published = act(commune_officer, item_id, "publish", public_text)
    assert published.status_code == 303
    (code,) = stored(runtime, "SELECT code FROM feedback_items")[0]
    public = host_client(seeded["alpha"].host)
    listed = text(public.get("/feedback"))
    assert "Hồ sơ hộ tịch trễ hẹn" in listed
    shown = text(public.get(f"/feedback/{code}"))
    assert "xin lỗi vì sự chậm trễ" in shown
    assert "xin lỗi ông" not in shown  # the answer as published, not as sent to the person
    assert "Nguyễn Văn An" not in shown and "0901234567" not in shown and "an@example.vn" not in shown
    # the person rates the answer, once
    assert submit(browser, link, {"level": "9"}, action=f"{link}/rating").status_code == 422
    assert submit(browser, link, {"level": "2"}, action=f"{link}/rating").status_code == 303
    assert post(browser, f"{link}/rating", {"level": "4"}).status_code == 409
    assert stored(runtime, "SELECT rating FROM feedback_items")[0].rating == 2
    actions = {
        row.action for row in stored(runtime, "SELECT action FROM audit_events WHERE target = :t", t=f"feedback:{code}")
    }
    assert {"feedback.submit", "feedback.assign", "feedback.request_info", "feedback.give_info", "feedback.answer",
            "feedback.publish", "feedback.rate"} <= actions  # fmt: skip


def test_another_units_officer_never_sees_the_item(sent, province, host_client, seeded, runtime):
    _browser, _link, item_id = sent
    assert act(province, item_id, "assign", {"unit_id": str(seeded["alpha"].units["commune_b"])}).status_code == 303
    officer = console_client(host_client, seeded["alpha"].host, "officer@alpha.test")  # commune A
    assert officer.get(f"/console/feedback/{item_id}").status_code == 404
    token = csrf_token(officer.get("/console/feedback").get_data(as_text=True))  # the page's log-out form
    posted = officer.post(f"/console/feedback/{item_id}/answer", data={"answer": "Trả lời.", "csrf_token": token})
    assert posted.status_code == 404
    assert stored(runtime, "SELECT status, answer FROM feedback_items")[0] == ("received", None)
    assert "Hồ sơ trễ hẹn" not in text(officer.get("/console/feedback"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "threat"}, "kind"),
        ({"category": ""}, "category"),
        ({"title": " "}, "title"),
        ({"content": "x" * 5001}, "content"),
        ({"name": ""}, "name"),
        ({"contact": ""}, "contact"),
        ({"dossier_code": "KHONG-CO"}, "dossier_code"),
        ({"repeat": "forged-token-forged-token"}, "repeat_of"),
    ],
)
def test_bad_feedback_is_refused_beside_its_field_with_nothing_written(host_client, seeded, runtime, changes, field):
    response, _browser, link = send(host_client, seeded, changes)
    assert response.status_code == 422 and link is None
    assert f'id="error-{field}"' in response.get_data(as_text=True)
    assert count(runtime) == 0


def test_sending_is_limited_per_client_address(host_client, seeded, runtime):
    address = fresh_address()
    codes = [send(host_client, seeded, address=address)[0].status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert count(runtime) == 5


def test_the_provinces_indicators_5_2_and_5_3_come_from_the_feedback(runtime, alpha):
    march = dt.datetime(2026, 3, 2, 9, tzinfo=VIETNAM)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        tokens = {}

        def item(day, repeat_of=None):
            made, tokens[day] = feedback.submit(session, SYSTEM, feedback.Submission(**FORM, repeat_of=repeat_of),
                                                now=march + dt.timedelta(days=day))  # fmt: skip
            return made

        on_time = item(0)  # Mon 2 March: answered Wed 4, published Thu 5, rated 4
        feedback.answer(session, SYSTEM, on_time, "Đã trả lời.", now=march + dt.timedelta(days=2))
        feedback.publish(session, SYSTEM, on_time, "Tiêu đề", "Nội dung", "Trả lời", now=march + dt.timedelta(days=3))
        feedback.rate(session, SYSTEM, on_time, 4)
        disliked = item(1)  # answered on time, published on time, but rated 1
        feedback.answer(session, SYSTEM, disliked, "Đã trả lời.", now=march + dt.timedelta(days=3))
        feedback.publish(session, SYSTEM, disliked, "Tiêu đề", "Nội dung", "Trả lời", now=march + dt.timedelta(days=4))
        feedback.rate(session, SYSTEM, disliked, 1)
        late = item(2)  # Wed 4 March: answered 30 March, after its 15 working days (25 March)
        feedback.answer(session, SYSTEM, late, "Muộn.", now=march + dt.timedelta(days=28))
        feedback.publish(
            session, SYSTEM, late, "Tiêu đề", "Nội dung", "Trả lời", now=march + dt.timedelta(days=28, hours=1)
        )
        rejected = item(3)  # rejected the next day: on time
        feedback.reject(session, SYSTEM, rejected, "Không thuộc thẩm quyền.", now=march + dt.timedelta(days=4))
        repeated = item(7)  # answered on time, then the person wrote again about it
        feedback.answer(session, SYSTEM, repeated, "Đã trả lời.", now=march + dt.timedelta(days=8))
        item(9, repeat_of=tokens[7])  # through the earlier item's private link, after its answer
        session.commit()
        start, end = dt.datetime(2026, 3, 1, tzinfo=VIETNAM), dt.datetime(2026, 4, 1, tzinfo=VIETNAM)
        parts = feedback.indicator_parts(session, start, end)
    # 5.2: finished in March: on_time, disliked, late (published 30 March), rejected -> 3 on time of 4; the
    # repeated one is answered, not published, and not yet late at 1 April (publish due 11 March + 2 wd = 13
    # March: late!) -> counted as late too; the repeat received 11 March, open, answer due 1 April 17:00: not late
    assert parts["5.2"] == (3, 5)
    # 5.3: answered in March: on_time (satisfied), disliked, late, repeated -> 1 of 4
    assert parts["5.3"] == (1, 4)
    body = alpha.get("/api/v1/statistics/indicators", query_string={"period": "month", "value": "2026-03"}).get_json()
    rows = {row["id"]: row for row in body["indicators"]}
    assert (rows["5.2"]["numerator"], rows["5.2"]["denominator"], rows["5.2"]["value"]) == (3, 5, 60.0)
    assert (rows["5.3"]["value"], rows["5.3"]["score"]) == (25.0, "1.50")
    # what happens in April does not change March: the repeated one published late, the repeat answered
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        april = dt.datetime(2026, 4, 2, 9, tzinfo=VIETNAM)
        later = session.get(type(repeated), repeated.id)
        feedback.publish(session, SYSTEM, later, "Tiêu đề", "Nội dung", "Trả lời", now=april)
        assert feedback.indicator_parts(session, start, end) == parts
        session.rollback()


def test_asking_for_more_once_and_answering_while_waiting(runtime):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        item, _token = feedback.submit(session, SYSTEM, feedback.Submission(**FORM))
        feedback.request_info(session, SYSTEM, item, "Cho biết mã hồ sơ.")
        feedback.give_info(session, SYSTEM, item, "Mã …")
        with pytest.raises(Conflict):
            feedback.request_info(session, SYSTEM, item, "Lại nữa?")  # once: the time to answer is not stretched
        other, _token = feedback.submit(session, SYSTEM, feedback.Submission(**FORM))
        feedback.request_info(session, SYSTEM, other, "Cho biết mã hồ sơ.")
        feedback.answer(session, SYSTEM, other, "Trả lời với những gì đã có.")  # no reply came: answered anyway
        assert other.status == "answered"
        session.rollback()


def test_a_repeat_is_sent_from_the_earlier_items_link(sent, province, host_client, seeded, runtime):
    browser, link, item_id = sent
    assert browser.get(f"{link}/again").status_code == 404  # still being handled: reply instead
    assert act(province, item_id, "answer", {"answer": "Đã xử lý."}).status_code == 303
    again = browser.get(f"{link}/again")
    assert again.status_code == 200 and 'name="repeat"' in again.get_data(as_text=True)
    follow_up = {**FORM, "content": "Vẫn chưa được giải quyết.", "repeat": link.rsplit("/", 1)[1]}
    response = submit(browser, f"{link}/again", follow_up, action="/feedback/new",
                      environ_base={"REMOTE_ADDR": fresh_address()})  # fmt: skip
    assert response.status_code == 303
    rows = stored(runtime, "SELECT id, repeat_of_id FROM feedback_items ORDER BY id")
    assert [row.repeat_of_id for row in rows] == [None, item_id]


def test_a_page_number_that_is_not_one_is_the_first_page(host_client, seeded, province):
    assert host_client(seeded["alpha"].host).get("/feedback", query_string={"page": "²"}).status_code == 200
    assert province.get("/console/feedback", query_string={"page": "²"}).status_code == 200


def outbox(runtime, item_id):
    return stored(
        runtime,
        "SELECT event, channel, recipient, body FROM notification_outbox WHERE feedback_item_id = :item ORDER BY id",
        item=item_id,
    )


def test_the_sender_is_told_at_their_contact_with_the_private_link_once(
    sent, province, commune_officer, runtime, seeded
):
    """Received (the private link, the only message that can carry it), then each step that asks something
    of the sender or ends the matter: more information asked, the answer. Assigning tells nothing."""
    _browser, link, item_id = sent
    first = outbox(runtime, item_id)
    assert [(row.event, row.channel, row.recipient) for row in first] == [("feedback_received", "sms", "0901234567")]
    assert link in first[0].body
    act(province, item_id, "assign", {"unit_id": str(seeded["alpha"].units["commune_a"])})
    assert len(outbox(runtime, item_id)) == 1
    act(commune_officer, item_id, "request_info", {"request": "Cho biết mã hồ sơ."})
    act(commune_officer, item_id, "answer", {"answer": "Hồ sơ đã có kết quả ngày 10/12."})
    rows = outbox(runtime, item_id)
    assert [row.event for row in rows] == ["feedback_received", "feedback_info", "feedback_answered"]
    assert "Cho biết mã hồ sơ." in rows[1].body and "Hồ sơ đã có kết quả" in rows[2].body
    assert all(LINK.search(row.body) is None for row in rows[1:])  # the token is kept hashed: never again


def test_the_private_link_is_not_kept_in_the_outbox_once_sent(runtime, sent):
    from motcua_onestop.notifications.models import NotificationOutbox
    from motcua_onestop.notifications.services import _forget_secret

    _browser, link, item_id = sent
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        from sqlalchemy import select

        row = session.scalar(select(NotificationOutbox).where(NotificationOutbox.feedback_item_id == item_id))
        _forget_secret(row)
        assert link not in row.body and "/feedback/t/…" in row.body
