"""Questions and answers made from the catalogue: for each published procedure what people ask at the
counter (what to bring, whether a paper is the original or a copy, the fees and who is exempt, how long it
takes, where to submit, from each commune too, whether it can be done online, the result, who may apply,
what the form asks, the steps, the legal basis), and how to use the portal, in Vietnamese and English.

The answers are the catalogue's own facts put in words, so they are as true as the catalogue. Each entry
carries its ``topic``; making entries again adds only the missing ones (a new procedure, a new commune) and
leaves the existing ones as the province edited them. An admin who does not want one unpublishes it (a
deleted one comes back the next time entries are made)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from motcua_platform.audit.services import Actor, record
from motcua_platform.plugins.engine import active
from motcua_platform.plugins.forms import form_json_schema
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.catalogue.receiving import receivers, unit_list
from motcua_onestop.catalogue.services import definition_for, visible
from motcua_onestop.faq.models import FaqEntry
from motcua_onestop.faq.services import fill_search
from motcua_onestop.units.models import Unit, UnitKind

# A "where" answer names at most this many units, then says how many more.
NAMED_UNITS = 8


class Pair(NamedTuple):
    topic: str
    question: str
    answer: str
    question_en: str
    answer_en: str
    unit_id: int | None = None  # None: the province (the root unit) answers


def _vnd(amount: int) -> tuple[str, str]:
    if amount == 0:
        return "miễn phí", "free of charge"
    return f"{amount:,}".replace(",", ".") + " đồng", f"VND {amount:,}"


def _time(procedure: Procedure) -> tuple[str, str]:
    value, unit = procedure.time_limit_value, procedure.time_limit_unit
    if value == 0:
        return "trong ngày", "the same day"
    vi = {"hours": "giờ làm việc", "days": "ngày", "working_days": "ngày làm việc", "months": "tháng"}[unit]
    en = {"hours": "working hours", "days": "days", "working_days": "working days", "months": "months"}[unit]
    return f"{value} {vi}", f"{value} {en}"


def _list(items: Iterable[str]) -> str:
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))


def _named(units: list[Unit]) -> str:
    names = [unit.name for unit in units[:NAMED_UNITS]]
    more = len(units) - len(names)
    return "; ".join(names) + (f" (+{more})" if more else "")


def procedure_pairs(
    procedure: Procedure, receiving: list[Unit], communes: list[tuple[Unit, list[Unit]]], form: dict | None = None
) -> Iterator[Pair]:
    """The pairs about one procedure; ``receiving`` are the units that receive it, ``communes`` each commune
    with the units inside it that receive it (for a commune-level procedure), ``form`` its electronic form
    as JSON Schema (``plugins.forms.form_json_schema``), if it has one."""
    vi, en = procedure.name_vi, procedure.name_en or procedure.name_vi
    lower = vi[0].lower() + vi[1:]
    documents = procedure.documents or []
    if documents:
        shown_vi = [
            f"{d['name']} ({'bản chính' if d.get('original', True) else 'bản sao'}"
            f"{', ' + str(d['count']) + ' bản' if d.get('count', 1) > 1 else ''}"
            f"{', nếu có' if not d.get('required', True) else ''})"
            for d in documents
        ]
        shown_en = [f"{d['name']} ({'original' if d.get('original', True) else 'copy'}"
                    f"{', ' + str(d['count']) + ' copies' if d.get('count', 1) > 1 else ''}"
                    f"{', if applicable' if not d.get('required', True) else ''})" for d in documents]  # fmt: skip
        yield Pair(
            "documents",
            f"Hồ sơ {lower} gồm những giấy tờ gì?",
            "Hồ sơ gồm:\n" + _list(shown_vi),
            f"Which documents does {en} need?",
            "The dossier holds:\n" + _list(shown_en),
        )
    else:
        yield Pair("documents", f"Làm thủ tục {lower} có cần nộp giấy tờ không?", "Thủ tục này không yêu cầu giấy tờ.",
                   f"Do I need any document for {en}?", "No document is needed for this procedure.")  # fmt: skip
    for number, document in enumerate(documents, start=1):
        original = document.get("original", True)
        count = document.get("count", 1)
        yield Pair(
            f"document:{number}",
            f"Khi làm thủ tục {lower}, {document['name'][0].lower() + document['name'][1:]} nộp bản chính hay bản sao?",
            f"Nộp {'bản chính' if original else 'bản sao'}"
            + (f", {count} bản" if count > 1 else "")
            + ("" if document.get("required", True) else "; chỉ nộp khi thuộc trường hợp cần giấy tờ này")
            + ("." if original else ". Khi nộp trực tuyến, tải lên bản chụp hoặc bản sao điện tử."),
            f"For {en}, is “{document['name']}” the original or a copy?",
            f"{'The original' if original else 'A copy'}"
            + (f", {count} copies" if count > 1 else "")
            + ("" if document.get("required", True) else "; only where your case needs it")
            + ("." if original else ". Online, upload a scan or an electronic copy."),
        )
    fees = procedure.fees or []
    if fees:
        lines_vi = [
            f"{fee['name']}: {_vnd(fee['amount'])[0]}" + (f"/{fee['per']}" if fee.get("per") else "") for fee in fees
        ]
        lines_en = [f"{fee['name']}: {_vnd(fee['amount'])[1]}" + (f" per {fee['per']}" if fee.get("per") else "")
                    for fee in fees]  # fmt: skip
        yield Pair("fees", f"Lệ phí {lower} là bao nhiêu?", _list(lines_vi), f"How much does {en} cost?",
                   _list(lines_en))  # fmt: skip
    else:
        yield Pair("fees", f"Làm thủ tục {lower} có mất phí không?", "Thủ tục này không thu phí, lệ phí.",
                   f"Is there a fee for {en}?", "This procedure is free of charge.")  # fmt: skip
    for number, fee in enumerate(fees, start=1):
        if fee.get("exemptions"):
            yield Pair(
                f"exemptions:{number}",
                f"Những trường hợp nào được miễn {fee['name'][0].lower() + fee['name'][1:]}?",
                "Được miễn trong các trường hợp:\n" + _list(fee["exemptions"]),
                f"Who does not pay “{fee['name']}”?",
                "It is waived for:\n" + _list(fee["exemptions"]),
            )
    time_vi, time_en = _time(procedure)
    cutoff = procedure.same_day_cutoff_hour
    yield Pair(
        "time",
        f"Thủ tục {lower} được giải quyết trong bao lâu?",
        f"Thời hạn giải quyết là {time_vi}, kể từ khi nhận đủ hồ sơ hợp lệ; ngày nghỉ, ngày lễ, Tết không tính "
        "vào ngày làm việc."
        + (f" Hồ sơ nhận trước {cutoff} giờ được trả kết quả trong ngày." if cutoff is not None else ""),
        f"How long does {en} take?",
        f"It takes {time_en} from when the complete dossier is received; weekends and public holidays are not "
        "working days."
        + (f" A dossier received before {cutoff}:00 gets its result the same day." if cutoff is not None else ""),
    )
    online_vi = {
        "full": "hoặc nộp trực tuyến trên Cổng dịch vụ công của tỉnh",
        "partial": "hoặc nộp trực tuyến trên Cổng dịch vụ công của tỉnh",
        "none": "",
    }[procedure.online_mode]
    online_en = "" if procedure.online_mode == "none" else ", or online on the province's public-service portal"
    if receiving:
        yield Pair(
            "where",
            f"Nộp hồ sơ {lower} ở đâu?",
            f"Nộp trực tiếp hoặc qua bưu chính tại: {_named(receiving)}" + (f"; {online_vi}." if online_vi else "."),
            f"Where do I submit {en}?",
            f"In person or by post at: {_named(receiving)}{online_en}.",
        )
    for commune, inside in communes:
        place = commune.name.removeprefix("UBND ").strip()
        yield Pair(
            f"where:{commune.id}",
            f"Tôi ở {place}, nộp hồ sơ {lower} ở đâu?",
            f"Tại {_named(inside)}. Bộ phận một cửa cấp xã nào trong tỉnh cũng tiếp nhận hồ sơ này, không phụ "
            "thuộc nơi cư trú" + (f"; {online_vi}." if online_vi else "."),
            f"I live in {place}: where do I submit {en}?",
            f"At {_named(inside)}. Any commune one-stop counter in the province receives it, wherever you live"
            f"{online_en}.",
            commune.id,
        )
    yield Pair(
        "online",
        f"Có thể làm thủ tục {lower} trực tuyến không?",
        {
            "full": "Có. Thủ tục được thực hiện trực tuyến toàn trình: nộp hồ sơ, theo dõi và nhận kết quả trên "
            "Cổng dịch vụ công của tỉnh, không phải đến bộ phận một cửa.",
            "partial": "Có, một phần: nộp hồ sơ trực tuyến trên Cổng dịch vụ công của tỉnh, sau đó nộp bản chính "
            "hoặc nhận kết quả tại bộ phận một cửa theo giấy hẹn.",
            "none": "Chưa. Thủ tục này được thực hiện trực tiếp hoặc qua bưu chính tại bộ phận một cửa.",
        }[procedure.online_mode],
        f"Can I do {en} online?",
        {
            "full": "Yes, fully: submit, follow the dossier and receive the result on the province's portal, "
            "without going to the counter.",
            "partial": "Partly: submit on the province's portal, then bring the originals or collect the result "
            "at the one-stop counter on the appointed day.",
            "none": "Not yet: this procedure is done in person or by post at the one-stop counter.",
        }[procedure.online_mode],
    )
    if procedure.result_document:
        yield Pair("result", f"Làm thủ tục {lower} thì nhận được gì?", f"Kết quả là: {procedure.result_document}.",
                   f"What do I receive from {en}?", f"The result is: {procedure.result_document}.")  # fmt: skip
    if procedure.applicants:
        yield Pair("applicants", f"Ai được làm thủ tục {lower}?", f"Đối tượng thực hiện: {procedure.applicants}.",
                   f"Who may apply for {en}?", f"Who may apply: {procedure.applicants}.")  # fmt: skip
    steps = procedure.workflow or []
    if steps:
        yield Pair(
            "steps",
            f"Hồ sơ {lower} được xử lý qua những bước nào?",
            _list(step["name"] for step in steps),
            f"What are the steps of {en}?",
            _list(step["name"] for step in steps),
        )
    if form and form.get("properties"):
        required = set(form.get("required", ()))
        parts = [(part.get("title", name), part.get("x-title-en", part.get("title", name)), name in required)
                 for name, part in form["properties"].items()]  # fmt: skip
        yield Pair(
            "form",
            f"Tờ khai {lower} gồm những mục nào?",
            _list(f"{vi_title}{' (bắt buộc)' if needed else ''}" for vi_title, _en, needed in parts)
            + "\nKhi nộp trực tuyến, Cổng kiểm tra từng mục trước khi gửi.",
            f"What does the form for {en} ask?",
            _list(f"{en_title}{' (required)' if needed else ''}" for _vi, en_title, needed in parts)
            + "\nOnline, the portal checks each part before the dossier is sent.",
        )
    if procedure.legal_basis:
        yield Pair("legal_basis", f"Thủ tục {lower} căn cứ vào văn bản nào?", _list(procedure.legal_basis),
                   f"Which legal documents does {en} rest on?", _list(procedure.legal_basis))  # fmt: skip


# How to use the portal, the same in every province.
PORTAL_PAIRS = (
    Pair("portal:account", "Làm thế nào để tạo tài khoản trên Cổng dịch vụ công?",
         "Chọn “Đăng ký”, nhập họ tên, số định danh cá nhân, số điện thoại hoặc thư điện tử và mật khẩu. Sau đó "
         "đăng nhập bằng số điện thoại hoặc thư điện tử để nộp và theo dõi hồ sơ.",
         "How do I create an account on the portal?",
         "Choose “Register” and give your full name, personal identification number, phone or e-mail and a "
         "password. Then sign in with the phone or e-mail to submit and follow your dossiers."),
    Pair("portal:password", "Tôi quên mật khẩu thì phải làm sao?",
         "Chọn “Quên mật khẩu” ở trang đăng nhập và nhập số điện thoại hoặc thư điện tử đã đăng ký; một liên "
         "kết đặt lại mật khẩu được gửi đến đó.",
         "I forgot my password: what do I do?",
         "Choose “Forgot your password?” on the sign-in page and give the phone or e-mail you registered; a "
         "link to set a new password is sent there."),
    Pair("portal:track", "Làm sao tra cứu tình trạng hồ sơ đã nộp?",
         "Nhập mã hồ sơ in trên giấy tiếp nhận và hẹn trả kết quả vào mục “Tra cứu hồ sơ”, hoặc đăng nhập và "
         "mở “Hồ sơ của tôi” để xem từng bước xử lý.",
         "How do I follow a dossier I submitted?",
         "Enter the dossier code printed on the receipt in “Track a dossier”, or sign in and open “My dossiers” "
         "to see each step."),
    Pair("portal:supplement", "Khi được yêu cầu bổ sung hồ sơ thì làm thế nào?",
         "Thông báo yêu cầu bổ sung nêu rõ giấy tờ còn thiếu. Đăng nhập, mở hồ sơ trong “Hồ sơ của tôi” và tải "
         "lên giấy tờ, hoặc nộp tại bộ phận một cửa đã tiếp nhận hồ sơ.",
         "I was asked to add to my dossier: what do I do?",
         "The request names what is missing. Sign in, open the dossier in “My dossiers” and upload it, or bring "
         "it to the one-stop counter that received the dossier."),
    Pair("portal:withdraw", "Tôi có thể rút hồ sơ đã nộp không?",
         "Có, khi hồ sơ chưa có kết quả: đăng nhập, mở hồ sơ trong “Hồ sơ của tôi” và chọn “Rút hồ sơ”, nêu lý "
         "do.",
         "Can I withdraw a dossier?",
         "Yes, before its result: sign in, open it in “My dossiers”, choose “Withdraw” and give the reason."),
    Pair("portal:late", "Hồ sơ bị trễ hẹn thì tôi được thông báo thế nào?",
         "Cơ quan giải quyết gửi văn bản xin lỗi và hẹn lại ngày trả kết quả (mẫu 04) qua tài khoản, tin nhắn "
         "hoặc thư điện tử của người nộp.",
         "How am I told when a dossier is late?",
         "The office sends an apology with a new appointment (form 04) to your account, by SMS or by e-mail."),
    Pair("portal:rating", "Tôi đánh giá mức độ hài lòng như thế nào?",
         "Khi có kết quả, mở hồ sơ trong “Hồ sơ của tôi” hoặc bấm liên kết trong tin nhắn báo kết quả và chọn "
         "một trong bốn mức: rất hài lòng, hài lòng, không hài lòng, rất không hài lòng.",
         "How do I rate the service?",
         "Once the result is ready, open the dossier in “My dossiers” or the link in the result message and "
         "choose one of four levels, from very satisfied to very dissatisfied."),
    Pair("portal:anywhere", "Tôi có phải nộp hồ sơ đúng nơi cư trú không?",
         "Không với thủ tục cấp xã: bộ phận một cửa cấp xã nào trong tỉnh cũng tiếp nhận, không phụ thuộc địa "
         "giới hành chính. Thủ tục cấp tỉnh nộp tại Trung tâm Phục vụ hành chính công tỉnh hoặc trực tuyến.",
         "Must I submit where I live?",
         "Not for commune-level procedures: any commune one-stop counter in the province receives them. "
         "Province-level procedures go to the provincial service centre, or online."),
    Pair("portal:statistics", "Xem kết quả giải quyết hồ sơ của tỉnh ở đâu?",
         "Trang “Thống kê” công khai số hồ sơ tiếp nhận, giải quyết đúng hạn, trễ hạn theo kỳ, lĩnh vực và "
         "cơ quan.",
         "Where can I see how the province handles dossiers?",
         "The “Statistics” page shows dossiers received, resolved on time and late, by period, field and office."),
)  # fmt: skip


def _communes(units: dict[int, Unit], receiving: list[Unit]) -> list[tuple[Unit, list[Unit]]]:
    """Each receiving commune with its units that receive (itself, its centre), in the receiving list's
    order; ``units`` is the whole tree by id."""
    receiving_ids = {unit.id for unit in receiving}

    def commune_of(unit: Unit) -> Unit | None:
        seen = 0
        while unit is not None and seen < 64:
            if unit.kind == UnitKind.COMMUNE:
                return unit
            unit, seen = units.get(unit.parent_id) if unit.parent_id is not None else None, seen + 1
        return None

    inside: dict[int, list[Unit]] = {}
    for unit in receiving:
        commune = commune_of(unit)
        if commune is not None and commune.id in receiving_ids:
            inside.setdefault(commune.id, []).append(unit)
    return [(units[commune_id], members) for commune_id, members in inside.items()]


def make(session: Session, actor: Actor, enabled: Iterable[str], on: dt.date) -> int:
    """Add the missing pairs for the published procedures of ``enabled`` plugins and the province's own, and
    the portal's; how many were added."""
    tree = unit_list(session)
    units = {unit.id: unit for unit in tree}
    root = next(unit.id for unit in tree if unit.parent_id is None)
    pairs: list[tuple[str | None, Pair, str | None]] = [(None, pair, None) for pair in PORTAL_PAIRS]
    procedures = session.scalars(select(Procedure).where(visible(enabled)).order_by(Procedure.field, Procedure.code))
    for procedure in procedures:
        receiving = receivers(tree, procedure, on)
        communes = _communes(units, receiving) if procedure.level == "commune" else []
        definition = definition_for(active(), procedure)
        form = form_json_schema(definition.form) if definition is not None else None
        made = procedure_pairs(procedure, receiving, communes, form)
        pairs += [(procedure.code, pair, procedure.field) for pair in made]
    rows = []
    for code, pair, field in pairs:
        entry = FaqEntry(question=pair.question, answer=pair.answer, question_en=pair.question_en,
                         answer_en=pair.answer_en, field=field, procedure_code=code)  # fmt: skip
        fill_search(entry)
        rows.append({
            "unit_id": pair.unit_id or root,
            "topic": pair.topic,
            "published": True,
            **{name: getattr(entry, name) for name in ("question", "answer", "question_en", "answer_en", "field",
                                                        "procedure_code", "search_question", "search_prefixes")},
        })  # fmt: skip
    # executemany: SQLAlchemy sends the rows in batched multi-row INSERTs with RETURNING ("insertmanyvalues"),
    # compiled once, within the protocol's parameter limit
    statement = (
        insert(FaqEntry)
        .on_conflict_do_nothing(index_elements=["procedure_code", "topic"], index_where=FaqEntry.topic.is_not(None))
        .returning(FaqEntry.id)
    )
    added = len(session.execute(statement, rows).all()) if rows else 0
    # merge what the batch left pending into the index now, not in the next searches
    session.execute(select(func.gin_clean_pending_list(text("'ix_faq_entries_search_prefixes'::regclass"))))
    record(session, actor, "faq.generate", target="faq", added=added)
    return added
