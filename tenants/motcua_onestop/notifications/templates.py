"""Vietnamese message templates, one per event: e-mail subject and body, and a short SMS (with diacritics;
gateways send it as Unicode). Each names the dossier code, the procedure, the due date and the tracking URL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.rendering.money import vnd
from motcua_platform.timezones import VIETNAM

from motcua_onestop.notifications.models import Event


@dataclass(frozen=True)
class Facts:
    code: str
    applicant_name: str
    procedure_name: str
    due_at: dt.datetime | None
    tracking_url: str
    reason: str | None = None
    total_fee: int = 0
    previous_due_at: dt.datetime | None = None  # extension: the effective due date it replaced
    apology: str | None = None  # extension: the officer's apology
    status_name: str | None = None  # late notice: where the dossier stands


def _date(value: dt.datetime | None) -> str:
    return value.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y") if value else "(chưa xác định)"


def _money(amount: int) -> str:
    return f"{vnd(amount)} đồng"


HEADLINES = {
    Event.SUBMITTED: "Hồ sơ {code} đã được nộp trực tuyến",
    Event.INTAKE: "Hồ sơ {code} đã được tiếp nhận",
    Event.SUPPLEMENT: "Hồ sơ {code} cần bổ sung giấy tờ",
    Event.PAYMENT: "Hồ sơ {code}: đề nghị thực hiện nghĩa vụ tài chính",
    Event.DONE: "Hồ sơ {code} đã có kết quả",
    Event.LATE: "Hồ sơ {code} đã quá hạn giải quyết",
    Event.EXTENSION: "Hồ sơ {code} được gia hạn thời gian giải quyết",
}

DETAILS = {
    Event.SUBMITTED: "Thủ tục: {procedure}.\nHồ sơ đang chờ cán bộ một cửa kiểm tra và tiếp nhận; thời hạn giải quyết "
    "được tính từ khi hồ sơ được tiếp nhận. Ông/Bà sẽ nhận được thông báo tiếp nhận kèm ngày hẹn trả kết quả.",
    Event.INTAKE: "Thủ tục: {procedure}.\nNgày hẹn trả kết quả: {due}.",
    Event.SUPPLEMENT: "Thủ tục: {procedure}.\nNội dung cần bổ sung: {reason}.\n"
    "Thời hạn giải quyết tạm dừng cho đến khi Ông/Bà bổ sung đủ giấy tờ.",
    Event.PAYMENT: "Thủ tục: {procedure}.\nSố tiền: {fee}.\nNgày hẹn trả kết quả: {due}.",
    Event.DONE: "Thủ tục: {procedure}.\nKết quả đã sẵn sàng; mời Ông/Bà đến nhận hoặc theo dõi trực tuyến.",
    Event.LATE: "Thủ tục: {procedure}.\nHạn giải quyết: {due}.\nTình trạng hiện tại: {status}.\n"
    "Chúng tôi thành thật xin lỗi Ông/Bà vì sự chậm trễ này; cơ quan giải quyết sẽ thông báo thời hạn "
    "trả kết quả mới.",
    Event.EXTENSION: "Thủ tục: {procedure}.\nLý do: {reason}.\n{apology}\n"
    "Ngày hẹn trả kết quả trước đây: {previous}.\nNgày hẹn trả kết quả mới: {due}.",
}


def render(event: Event, facts: Facts) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) for ``event``."""
    values = {
        "code": facts.code,
        "procedure": facts.procedure_name,
        "due": _date(facts.due_at),
        "reason": (facts.reason or "").strip() or "xem chi tiết tại bộ phận một cửa",
        "fee": _money(facts.total_fee),
        "previous": _date(facts.previous_due_at),
        "apology": (facts.apology or "").strip() or "Chúng tôi thành thật xin lỗi Ông/Bà.",
        "status": facts.status_name or "(không rõ)",
    }
    headline = HEADLINES[event].format(**values)
    details = DETAILS[event].format(**values)
    subject = f"[Một cửa] {headline}"
    body = (
        f"Kính gửi Ông/Bà {facts.applicant_name},\n\n{headline}.\n{details}\n\n"
        f"Tra cứu tình trạng hồ sơ: {facts.tracking_url}\n\n"
        "Đây là thư tự động từ hệ thống một cửa điện tử, vui lòng không trả lời thư này.\n"
    )
    sms = f"{headline}. Hẹn trả: {values['due']}. Tra cứu: {facts.tracking_url}"
    if event == Event.SUBMITTED:
        sms = f"{headline}, đang chờ tiếp nhận. Tra cứu: {facts.tracking_url}"
    elif event == Event.SUPPLEMENT:
        sms = f"{headline}: {values['reason']}. Tra cứu: {facts.tracking_url}"
    elif event == Event.DONE:
        sms = f"{headline}. Tra cứu: {facts.tracking_url}"
    elif event == Event.LATE:
        sms = (
            f"{headline} (hạn {values['due']}); tình trạng: {values['status']}. "
            f"Thành thật xin lỗi Ông/Bà. Tra cứu: {facts.tracking_url}"
        )
    elif event == Event.EXTENSION:
        sms = f"{headline}. Hẹn trả mới: {values['due']}. Thành thật xin lỗi Ông/Bà. Tra cứu: {facts.tracking_url}"
    return subject, body, sms


def render_password_changed(full_name: str, moment: dt.datetime) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) telling the owner that a code reset the password, so a reset by
    someone else who holds one of the account's e-mail or phone does not go unnoticed."""
    when = moment.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")
    subject = "[Một cửa] Mật khẩu tài khoản đã được đặt lại"
    advice = "Nếu không phải Ông/Bà thực hiện, hãy đặt lại mật khẩu ngay và báo cho bộ phận một cửa."
    body = (
        f"Kính gửi Ông/Bà {full_name},\n\n"
        f"Mật khẩu tài khoản Cổng dịch vụ công của Ông/Bà đã được đặt lại bằng mã xác nhận lúc {when}; "
        f"mọi phiên đăng nhập cũ đã kết thúc. {advice}\n\n"
        "Đây là thư tự động từ hệ thống một cửa điện tử, vui lòng không trả lời thư này.\n"
    )
    sms = f"Mật khẩu tài khoản Cổng dịch vụ công của Ông/Bà đã được đặt lại lúc {when}. {advice}"
    return subject, body, sms


def render_password_reset(full_name: str, code: str, valid_minutes: int) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) carrying a password-reset code. The SMS leads with the code (phones
    show the start of a message) and tells the reader never to pass it on: scams by phone ask for it."""
    subject = "[Một cửa] Mã xác nhận đặt lại mật khẩu"
    warning = "Không cung cấp mã này cho bất kỳ ai, kể cả người xưng là cán bộ."
    body = (
        f"Kính gửi Ông/Bà {full_name},\n\n"
        f"Mã xác nhận để đặt lại mật khẩu tài khoản Cổng dịch vụ công của Ông/Bà là: {code}\n"
        f"Mã có hiệu lực trong {valid_minutes} phút và chỉ dùng được một lần. {warning}\n\n"
        "Nếu Ông/Bà không yêu cầu đặt lại mật khẩu, xin bỏ qua thư này: mật khẩu hiện tại vẫn giữ nguyên.\n\n"
        "Đây là thư tự động từ hệ thống một cửa điện tử, vui lòng không trả lời thư này.\n"
    )
    sms = f"{code} là mã đặt lại mật khẩu Cổng dịch vụ công, hiệu lực {valid_minutes} phút. {warning}"
    return subject, body, sms
