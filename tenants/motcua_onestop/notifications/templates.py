"""Message templates, one per event: e-mail subject and body, and a short SMS (with diacritics; gateways send
it as Unicode). Each names the dossier code, the procedure, the due date and the tracking URL.

Texts are English msgids in this package's catalogues (Vietnamese, as applicants read them, in
``translations/vi``). A message goes to a province's people in the province's language and time zone
(``TenantContext.locale`` and ``timezone``), whoever made the change and in whatever language: each
``render…`` renders under ``i18n.use_locale(locale)``, dates and amounts formatted by Babel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.i18n import _, format_datetime, gettext, use_locale, vnd

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
    rating_url: str | None = None  # result ready: the link to rate the processing (dossiers.ratings)


HEADLINES = {
    Event.SUBMITTED: _("Dossier %(code)s has been submitted online"),
    Event.INTAKE: _("Dossier %(code)s has been received"),
    Event.SUPPLEMENT: _("Dossier %(code)s needs additional documents"),
    Event.PAYMENT: _("Dossier %(code)s: please pay the fees and charges"),
    Event.DONE: _("Dossier %(code)s has its result"),
    Event.LATE: _("Dossier %(code)s is past its due date"),
    Event.EXTENSION: _("The processing time of dossier %(code)s has been extended"),
}

DETAILS = {
    Event.SUBMITTED: _(
        "Procedure: %(procedure)s.\nThe dossier is waiting for a one-stop officer to check and receive it; the "
        "processing time runs from when it is received. You will receive a notice of receipt with the date the "
        "result is due."
    ),
    Event.INTAKE: _("Procedure: %(procedure)s.\nResult due on: %(due)s."),
    Event.SUPPLEMENT: _(
        "Procedure: %(procedure)s.\nTo add: %(reason)s.\nThe processing time is paused until you have added "
        "every document."
    ),
    Event.PAYMENT: _("Procedure: %(procedure)s.\nAmount: %(fee)s.\nResult due on: %(due)s."),
    Event.DONE: _("Procedure: %(procedure)s.\nThe result is ready; please come to collect it or follow it online."),
    Event.LATE: _(
        "Procedure: %(procedure)s.\nDue date: %(due)s.\nCurrent status: %(status)s.\nWe sincerely apologise for "
        "this delay; the processing office will tell you the new date for the result."
    ),
    Event.EXTENSION: _(
        "Procedure: %(procedure)s.\nReason: %(reason)s.\n%(apology)s\nPrevious result date: %(previous)s.\n"
        "New result date: %(due)s."
    ),
}

SMS = {
    Event.SUBMITTED: _("%(headline)s, waiting to be received. Track: %(url)s"),
    Event.SUPPLEMENT: _("%(headline)s: %(reason)s. Track: %(url)s"),
    Event.DONE: _("%(headline)s. Track: %(url)s"),
    Event.LATE: _("%(headline)s (due %(due)s); status: %(status)s. We sincerely apologise. Track: %(url)s"),
    Event.EXTENSION: _("%(headline)s. New result date: %(due)s. We sincerely apologise. Track: %(url)s"),
}
SMS_DEFAULT = _("%(headline)s. Result due: %(due)s. Track: %(url)s")
RATE = _("How satisfied are you with how your dossier was handled? Rate it here: %(rating)s")
SMS_RATE = _("%(headline)s. Track: %(url)s Rate the service: %(rating)s")
SUBJECT = _("[One-stop] %(headline)s")
FOOTER = _("This is an automatic e-mail from the electronic one-stop system; please do not reply to it.")


def _date(value: dt.datetime | None, timezone: str) -> str:
    return format_datetime(value, timezone=timezone) if value else gettext("(not set)")


def render(event: Event, facts: Facts, *, locale: str, timezone: str) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) for ``event``, in the province's ``locale`` and ``timezone``."""
    with use_locale(locale):
        values = {
            "code": facts.code,
            "procedure": facts.procedure_name,
            "due": _date(facts.due_at, timezone),
            "reason": (facts.reason or "").strip() or gettext("see the details at the one-stop desk"),
            "fee": gettext("%(amount)s VND", amount=vnd(facts.total_fee)),
            "previous": _date(facts.previous_due_at, timezone),
            "apology": (facts.apology or "").strip() or gettext("We sincerely apologise."),
            "status": facts.status_name or gettext("(unknown)"),
        }
        headline = HEADLINES[event] % values
        details = DETAILS[event] % values
        if facts.rating_url:
            details += "\n" + RATE % {"rating": facts.rating_url}
        subject = SUBJECT % {"headline": headline}
        body = gettext(
            "Dear %(name)s,\n\n%(headline)s.\n%(details)s\n\nTrack the dossier: %(url)s\n\n%(footer)s\n",
            name=facts.applicant_name,
            headline=headline,
            details=details,
            url=facts.tracking_url,
            footer=FOOTER,
        )
        sms = (SMS_RATE if facts.rating_url else SMS.get(event, SMS_DEFAULT)) % {
            **values,
            "headline": headline,
            "url": facts.tracking_url,
            "rating": facts.rating_url,
        }
        return subject, body, sms


def render_password_changed(full_name: str, moment: dt.datetime, *, locale: str, timezone: str) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) telling the owner that a code reset the password, so a reset by
    someone else who holds one of the account's e-mail or phone does not go unnoticed."""
    with use_locale(locale):
        when = format_datetime(moment, timezone=timezone)
        subject = SUBJECT % {"headline": gettext("The account password has been reset")}
        advice = gettext("If it was not you, reset the password at once and tell the one-stop desk.")
        body = gettext(
            "Dear %(name)s,\n\nThe password of your account on the public service portal was reset with a "
            "confirmation code at %(when)s; every earlier session has ended. %(advice)s\n\n%(footer)s\n",
            name=full_name,
            when=when,
            advice=advice,
            footer=FOOTER,
        )
        sms = gettext(
            "The password of your public service portal account was reset at %(when)s. %(advice)s",
            when=when,
            advice=advice,
        )
        return subject, body, sms


def render_password_reset(full_name: str, code: str, valid_minutes: int, *, locale: str) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) carrying a password-reset code. The SMS leads with the code (phones
    show the start of a message) and tells the reader never to pass it on: scams by phone ask for it."""
    with use_locale(locale):
        subject = SUBJECT % {"headline": gettext("Confirmation code to reset the password")}
        warning = gettext("Do not give this code to anyone, even someone who says they are an official.")
        body = gettext(
            "Dear %(name)s,\n\nThe confirmation code to reset the password of your public service portal "
            "account is: %(code)s\nThe code is valid for %(minutes)s minutes and can be used only once. "
            "%(warning)s\n\nIf you did not ask to reset your password, ignore this e-mail: your current password "
            "stays as it is.\n\n%(footer)s\n",
            name=full_name,
            code=code,
            minutes=valid_minutes,
            warning=warning,
            footer=FOOTER,
        )
        sms = gettext(
            "%(code)s is your code to reset the public service portal password, valid for %(minutes)s minutes. "
            "%(warning)s",
            code=code,
            minutes=valid_minutes,
            warning=warning,
        )
        return subject, body, sms


FEEDBACK_HEADLINES = {
    Event.FEEDBACK_RECEIVED: _("Your feedback %(code)s has been received"),
    Event.FEEDBACK_INFO: _("Your feedback %(code)s: more information is needed"),
    Event.FEEDBACK_REJECTED: _("Your feedback %(code)s was not accepted"),
    Event.FEEDBACK_ANSWERED: _("Your feedback %(code)s has been answered"),
}
FEEDBACK_DETAILS = {
    Event.FEEDBACK_RECEIVED: _(
        "The province will assign it to the office concerned and answer within the legal time. Follow it, add "
        "information and rate the answer through your private link:"
    ),
    Event.FEEDBACK_INFO: _("The office asks: %(text)s\nReply through the private link of your first message."),
    Event.FEEDBACK_REJECTED: _("The reason: %(text)s\nThe details are on the private link of your first message."),
    Event.FEEDBACK_ANSWERED: _(
        "The answer: %(text)s\nRead it in full and rate it through the private link of your first message."
    ),
}


def render_feedback(
    event: Event, code: str, name: str, *, link: str | None = None, text: str = "", locale: str
) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) of a feedback item's step, to the contact its sender gave. Only the
    first message carries the private link (its token is kept hashed: the later steps cannot repeat it); the
    office's words are cut for the SMS."""
    with use_locale(locale):
        headline = FEEDBACK_HEADLINES[event] % {"code": code}
        details = FEEDBACK_DETAILS[event] % {"text": text.strip()}
        if link:
            details += "\n" + link
        subject = SUBJECT % {"headline": headline}
        body = gettext(
            "Dear %(name)s,\n\n%(headline)s.\n%(details)s\n\n%(footer)s\n",
            name=name,
            headline=headline,
            details=details,
            footer=FOOTER,
        )
        sms = f"{headline}. {link}" if link else f"{headline}: {_cut(text.strip(), 100)}"
        return subject, body, sms


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
