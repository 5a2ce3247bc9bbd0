"""A procedure's facts put in words: the questions people ask at the counter about it, with the catalogue's
answers, in Vietnamese and English (pure functions; ``generate.make`` writes them).

Each pair carries its ``topic``, the same for the same question whatever the catalogue's order: a paper's
and a fee's are named by a digest of the paper's or the fee's name, so a paper added in the middle does not
make the next one's question answer for another."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.units.models import Unit

# A "where" answer names at most this many units, then says how many more.
NAMED_UNITS = 8
# names are shortened in questions so that a question stays readable (and under the table's 500 characters)
NAME_IN_QUESTION = 150
# papers whose name already says whether it is the original, and forms, which are always filled in: no
# question "original or copy?" about them
NO_COPY_QUESTION = ("bản chính", "bản sao", "bản gốc", "tờ khai", "đơn ", "mẫu ")
# a commune's name starts with its kind; in the middle of a sentence the kind is written in lower case
PLACE_KINDS = ("Phường ", "Xã ", "Thị trấn ", "Đặc khu ")
ONLINE_VI = " Cũng có thể nộp trực tuyến trên Cổng dịch vụ công của tỉnh."
ONLINE_EN = " You can also submit online on the province's public-service portal."


class Pair(NamedTuple):
    topic: str
    question: str
    answer: str
    question_en: str
    answer_en: str
    unit_id: int | None = None  # None: the province (the root unit) answers


def short(text: str, limit: int = NAME_IN_QUESTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def lower_first(text: str) -> str:
    """'Đăng ký kết hôn' → 'đăng ký kết hôn', but 'CMND' stays 'CMND'."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:10]


def _vnd(amount: int) -> tuple[str, str]:
    if amount == 0:
        return "không thu", "free"
    return f"{amount:,}".replace(",", ".") + " đồng", f"VND {amount:,}"


def _list(items: Iterable[str]) -> str:
    return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))


def _named(units: list[Unit]) -> tuple[str, str]:
    names = "; ".join(unit.name for unit in units[:NAMED_UNITS])
    more = len(units) - NAMED_UNITS
    return (names + (f" và {more} nơi khác" if more > 0 else ""), names + (f" and {more} more" if more > 0 else ""))


def _time(procedure: Procedure) -> tuple[str, str]:
    """How long, said as the deadline engine counts it (calendar/engine.py)."""
    value, unit = procedure.time_limit_value, procedure.time_limit_unit
    cutoff = procedure.same_day_cutoff_hour
    if value == 0:
        return (
            f"Thủ tục được giải quyết trong ngày với hồ sơ nhận trước {cutoff} giờ; nhận sau giờ đó thì trả kết quả "
            "vào ngày làm việc tiếp theo.",
            f"The same day for a dossier received before {cutoff}:00; after that, the next working day.",
        )
    vi = {"hours": "giờ làm việc", "days": "ngày", "working_days": "ngày làm việc", "months": "tháng"}[unit]
    en = {"hours": "working hour", "days": "day", "working_days": "working day", "months": "month"}[unit]
    en = f"{value} {en}{'' if value == 1 else 's'}"
    counted = {
        "hours": ("chỉ tính giờ hành chính của ngày làm việc.", "counted in office hours on working days only."),
        "working_days": ("không tính thứ Bảy, Chủ nhật và ngày nghỉ lễ, Tết.", "weekends and public holidays are "
                         "not counted."),
        "days": ("tính cả ngày nghỉ; nếu ngày cuối cùng là ngày nghỉ thì hạn là hết ngày làm việc tiếp theo.",
                 "holidays are counted, and if the last day is a holiday it ends on the next working day."),
        "months": ("nếu ngày cuối cùng là ngày nghỉ thì hạn là hết ngày làm việc tiếp theo.",
                   "if the last day is a holiday it ends on the next working day."),
    }[unit]  # fmt: skip
    same_day_vi = f" Hồ sơ nhận trước {cutoff} giờ được trả kết quả trong ngày." if cutoff is not None else ""
    same_day_en = f" A dossier received before {cutoff}:00 gets its result the same day." if cutoff is not None else ""
    return (
        f"Thời hạn giải quyết là {value} {vi} kể từ khi nhận đủ hồ sơ hợp lệ; {counted[0]}{same_day_vi}",
        f"It takes {en} from when the complete dossier is received; {counted[1]}{same_day_en}",
    )


def procedure_pairs(
    procedure: Procedure, receiving: list[Unit], communes: list[tuple[Unit, list[Unit]]], form: dict | None = None
) -> Iterator[Pair]:
    """The pairs about one procedure; ``receiving`` are the units that receive it, ``communes`` each commune
    with the units inside it that receive it (for a commune-level procedure), ``form`` its electronic form
    as JSON Schema (``plugins.forms.form_json_schema``), if it has one."""
    vi = lower_first(short(procedure.name_vi))
    en = lower_first(short(procedure.name_en or procedure.name_vi))
    # Submitting online here takes the procedure's electronic form, which only a plugin gives: a province's own
    # procedure the national database lists as online is still received only at the counter or by post here.
    online = procedure.online_mode != "none" and form is not None
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
        yield Pair("documents", f"Hồ sơ {vi} gồm những giấy tờ gì?", "Hồ sơ gồm:\n" + _list(shown_vi),
                   f"Which documents does {en} need?", "The dossier holds:\n" + _list(shown_en))  # fmt: skip
    else:
        yield Pair("documents", f"Làm thủ tục {vi} có cần nộp giấy tờ không?", "Thủ tục này không yêu cầu giấy tờ.",
                   f"Do I need any document for {en}?", "No document is needed for this procedure.")  # fmt: skip
    for document in documents:
        name = document["name"]
        if name.casefold().startswith(NO_COPY_QUESTION):
            continue
        original, count = document.get("original", True), document.get("count", 1)
        yield Pair(
            f"document:{digest(name)}",
            f"Khi làm thủ tục {vi}, {lower_first(short(name))} cần nộp bản chính hay bản sao?",
            f"Nộp {'bản chính' if original else 'bản sao'}"
            + (f", {count} bản" if count > 1 else "")
            + ("" if document.get("required", True) else "; chỉ nộp khi thuộc trường hợp cần giấy tờ này")
            + ("." if original else ". Khi nộp trực tuyến, tải lên bản chụp hoặc bản sao điện tử."),
            f"For {en}, is “{short(name)}” the original or a copy?",
            ("The original" if original else "A copy")
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
        yield Pair("fees", f"Phí, lệ phí {vi} là bao nhiêu?", _list(lines_vi), f"How much does {en} cost?",
                   _list(lines_en))  # fmt: skip
    else:
        yield Pair("fees", f"Làm thủ tục {vi} có mất phí không?", "Thủ tục này không thu phí, lệ phí.",
                   f"Is there a fee for {en}?", "This procedure is free of charge.")  # fmt: skip
    for fee in fees:
        if fee.get("exemptions"):
            yield Pair(
                f"exemptions:{digest(fee['name'])}",
                f"Những trường hợp nào được miễn {lower_first(short(fee['name']))}?",
                "Được miễn trong các trường hợp:\n" + _list(fee["exemptions"]),
                f"Who does not pay “{short(fee['name'])}”?",
                "It is waived for:\n" + _list(fee["exemptions"]),
            )
    time_vi, time_en = _time(procedure)
    yield Pair("time", f"Thủ tục {vi} được giải quyết trong bao lâu?", time_vi, f"How long does {en} take?", time_en)
    if receiving:
        named_vi, named_en = _named(receiving)
        yield Pair(
            "where",
            f"Nộp hồ sơ {vi} ở đâu?",
            f"Nộp trực tiếp hoặc qua dịch vụ bưu chính công ích tại: {named_vi}." + (ONLINE_VI if online else ""),
            f"Where do I submit {en}?",
            f"In person or by post at: {named_en}." + (ONLINE_EN if online else ""),
        )
    for commune, inside in communes:
        place = commune.name.removeprefix("UBND ").strip()
        in_sentence = lower_first(place) if place.startswith(PLACE_KINDS) else place
        named_vi, named_en = _named(inside)
        yield Pair(
            f"where:{commune.id}",
            f"Tôi ở {in_sentence}, nộp hồ sơ {vi} ở đâu?",
            f"Tại {named_vi}. Bộ phận một cửa cấp xã nào trong tỉnh cũng tiếp nhận hồ sơ này, không phụ thuộc nơi "
            "cư trú." + (ONLINE_VI if online else ""),
            f"I live in {place}: where do I submit {en}?",
            f"At {named_en}. Any commune one-stop counter in the province receives it, wherever you live."
            + (ONLINE_EN if online else ""),
            commune.id,
        )
    yield _online_pair(procedure, vi, en, online)
    if procedure.result_document:
        yield Pair("result", f"Làm thủ tục {vi} thì nhận được gì?", f"Kết quả là: {procedure.result_document}.",
                   f"What do I receive from {en}?", f"The result is: {procedure.result_document}.")  # fmt: skip
    if procedure.applicants:
        yield Pair("applicants", f"Ai được thực hiện thủ tục {vi}?", f"Đối tượng thực hiện: {procedure.applicants}.",
                   f"Who may apply for {en}?", f"Who may apply: {procedure.applicants}.")  # fmt: skip
    steps = procedure.workflow or []
    if steps:
        names = _list(step["name"] for step in steps)
        yield Pair("steps", f"Hồ sơ {vi} được xử lý qua những bước nào?", names, f"What are the steps of {en}?", names)
    if form and form.get("properties"):
        required = set(form.get("required", ()))
        parts = [(part.get("title", name), part.get("x-title-en", part.get("title", name)), name in required)
                 for name, part in form["properties"].items()]  # fmt: skip
        yield Pair(
            "form",
            f"Tờ khai {vi} gồm những mục nào?",
            _list(f"{vi_title}{' (bắt buộc)' if needed else ''}" for vi_title, _en, needed in parts)
            + "\nKhi nộp trực tuyến, Cổng kiểm tra từng mục trước khi gửi.",
            f"What does the form for {en} ask?",
            _list(f"{en_title}{' (required)' if needed else ''}" for _vi, en_title, needed in parts)
            + "\nOnline, the portal checks each part before the dossier is sent.",
        )
    if procedure.legal_basis:
        yield Pair("legal_basis", f"Thủ tục {vi} căn cứ vào văn bản nào?", _list(procedure.legal_basis),
                   f"Which legal documents does {en} rest on?", _list(procedure.legal_basis))  # fmt: skip


MODE_VI = {"full": "toàn trình", "partial": "một phần"}
MODE_EN = {"full": "fully", "partial": "partly"}


def _online_pair(procedure: Procedure, vi: str, en: str, online: bool) -> Pair:
    """Whether it can be done online. ``online``: it can be submitted on the province's portal, which takes both
    an online mode and an electronic form; a procedure the catalogue lists as online without one says so."""
    if procedure.online_mode != "none" and not online:
        return Pair(
            "online",
            f"Có thể làm thủ tục {vi} trực tuyến không?",
            f"Theo danh mục, thủ tục được cung cấp trực tuyến {MODE_VI[procedure.online_mode]}, nhưng Cổng dịch vụ "
            "công của tỉnh chưa có tờ khai điện tử cho thủ tục này: hồ sơ được nộp trực tiếp hoặc qua dịch vụ bưu "
            "chính công ích tại bộ phận một cửa.",
            f"Can I do {en} online?",
            f"The catalogue lists it as {MODE_EN[procedure.online_mode]} online, but the province's portal has no "
            "electronic form for it yet: submit in person or by post at the one-stop counter.",
        )
    return Pair(
        "online",
        f"Có thể làm thủ tục {vi} trực tuyến không?",
        {
            "full": "Có. Thủ tục được thực hiện trực tuyến toàn trình: nộp hồ sơ, theo dõi và nhận kết quả trên "
            "Cổng dịch vụ công của tỉnh, không phải đến bộ phận một cửa.",
            "partial": "Có, một phần: nộp hồ sơ trực tuyến trên Cổng dịch vụ công của tỉnh, sau đó nộp bản chính "
            "hoặc nhận kết quả tại bộ phận một cửa theo giấy hẹn.",
            "none": "Chưa. Thủ tục này được thực hiện trực tiếp hoặc qua dịch vụ bưu chính công ích tại bộ phận một "
            "cửa.",
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
