"""Words the portal shows for the catalogue's and the dossiers' codes, marked for the catalogue
(translated where they are shown, with ``_``)."""

from __future__ import annotations

# The kernel's gettext and language (what the page's templates use too): Flask-Babel's lookups per call
# were a large part of drawing a list of procedures.
from motcua_platform.i18n import current_locale
from motcua_platform.i18n import gettext as _


def N_(message: str) -> str:
    return message


LEVELS = {"province": N_("Province level"), "commune": N_("Commune level"), "central": N_("Central level")}
ONLINE_MODES = {
    "full": N_("Fully online"),
    "partial": N_("Partly online"),
    "none": N_("In person only"),
}
TIME_UNITS = {
    "hours": N_("%(n)s working hours"),
    "days": N_("%(n)s days"),
    "working_days": N_("%(n)s working days"),
    "months": N_("%(n)s months"),
}
UNIT_KINDS = {
    "province": N_("Provincial People's Committee"),
    "department": N_("Department"),
    "service_centre": N_("Public administrative service centre"),
    "commune": N_("Commune People's Committee"),
    "sector_office": N_("Sector office"),
}
OUTCOMES = {"early": N_("Early"), "on_time": N_("On time"), "late": N_("Late")}
CHANNELS = {"online": N_("Online"), "counter": N_("At the counter"), "postal": N_("By post")}


def label(table: dict[str, str], code: str | None) -> str:
    return _(table[code]) if code in table else (code or "")


def time_limit(value: int, unit: str) -> str:
    if value == 0:
        return _("Same day")
    return _(TIME_UNITS.get(unit, "%(n)s"), n=value)


def procedure_name(row) -> str:
    """The English name where the catalogue has one and the page is in English; the legal name otherwise."""
    name_en = row["name_en"] if isinstance(row, dict) else row.name_en
    name_vi = row["name_vi"] if isinstance(row, dict) else row.name_vi
    return name_en if name_en and current_locale() == "en" else name_vi


# Who acted in a citizen's history, and the forms addressed to the applicant (the dossier statuses in words
# are the one-stop domain's: motcua_onestop.dossiers.labels).
ACTORS = {"citizen": N_("You"), "officer": N_("Officer"), "system": N_("System")}
APPLICANT_FORMS = {
    "01": N_("Receipt and appointment (form 01)"),
    "02": N_("Supplement request (form 02)"),
    "03": N_("Refusal notice (form 03)"),
    "04": N_("Apology and new appointment (form 04)"),
    "05": N_("Notice that processing stopped (form 05)"),
}


PAYMENT_METHODS = {"online": N_("Online"), "cash": N_("Cash at the office"), "transfer": N_("Bank transfer")}
PAYMENT_STATES = {
    "pending": N_("Being confirmed"),
    "paid": N_("Paid"),
    "failed": N_("Not paid"),
    "refunded": N_("Refunded"),
}
