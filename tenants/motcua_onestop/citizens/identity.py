"""Checks and normal forms of the identifiers a citizen account carries: the Vietnamese mobile number,
the 12-digit personal identification number (CCCD) and the tax code (MST). Pure functions, no I/O.

CCCD structure (Circular 59/2021/TT-BCA, before it 07/2016/TT-BCA): ``PPP G YY NNNNNN``

* ``PPP`` — the code of the province where the birth was registered: 001 … 096 (the 63 former
  provinces; 2025's merged provinces kept existing numbers). We accept the whole range 001–096 rather
  than the exact list of 63 codes, so a number is never refused for a gap in our list; 000 and 097–999
  do not exist and are refused.
* ``G`` — century of birth and sex: 0/1 = 20th century (male/female), 2/3 = 21st, 4/5 = 22nd, 6/7 = 23rd,
  8/9 = 24th.
* ``YY`` — the last two digits of the birth year: with ``G`` it gives the full year, which may not lie
  in the future.
* ``NNNNNN`` — a serial number, any digits.
"""

from __future__ import annotations

import datetime as dt
import re

MOBILE_PREFIXES = frozenset("35789")  # 03x, 05x, 07x, 08x, 09x since the 2018 renumbering
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalise_phone(raw: str) -> str | None:
    """``0xxxxxxxxx`` for a Vietnamese mobile number written ``0…``, ``84…`` or ``+84…`` (spaces, dots,
    dashes and brackets allowed); None when it is not one."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if re.fullmatch(r"0[0-9]{9}", digits) and digits[1] in MOBILE_PREFIXES:
        return digits
    return None


def birth_year(national_id: str) -> int:
    """The birth year a well-formed CCCD encodes."""
    century = 1900 + 100 * (int(national_id[3]) // 2)
    return century + int(national_id[4:6])


def national_id_problems(national_id: str, today: dt.date | None = None) -> list[str]:
    """What is wrong with a CCCD number (empty when it is well formed)."""
    if not re.fullmatch(r"[0-9]{12}", national_id):
        return ["Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số."]
    if not 1 <= int(national_id[:3]) <= 96:
        return ["Ba chữ số đầu của CCCD phải là mã tỉnh nơi đăng ký khai sinh (001–096)."]
    if birth_year(national_id) > (today or dt.date.today()).year:
        return ["Mã thế kỷ và năm sinh trong CCCD (chữ số 4–6) cho một năm sinh trong tương lai."]
    return []


def tax_code_problems(tax_code: str) -> list[str]:
    """A business's tax code: 10 digits, or 10 digits, a dash and 3 digits for a branch."""
    if not re.fullmatch(r"[0-9]{10}(-[0-9]{3})?", tax_code):
        return ["Mã số thuế phải gồm 10 chữ số (hoặc 10 chữ số, dấu '-' và 3 chữ số với chi nhánh)."]
    return []
