"""Argon2id password hashing (argon2-cffi defaults follow RFC 9106's recommendations) and the policy every
new password meets, whoever sets it (operators, staff, tenant admins, citizens, a reset by code).

The policy: at least ``MIN_LENGTH`` characters, and zxcvbn's estimate of the guesses needed at least
``MIN_SCORE`` (3: about 10^8 guesses, out of reach of online guessing under our rate limits and lockout).
zxcvbn knows the common passwords, English words, names, dates, keyboard walks and repeats; we add what
it cannot know: the account's own details, the names of the province it belongs to, and words everyone
here tries first (``SITE_WORDS``: "motcua", "matkhau" — Vietnamese for "password" — …). Two blind spots
of zxcvbn are closed by judging the password a second time, folded (no accents, no separators) and with
every context word taken out: zxcvbn counts separators as random characters, so "Phu-Tho-2026" scored 4
where "PhuTho2026" scores 2, and it values "Officer-Alpha-2026" (e-mail + province + year) as three
unrelated words. A password must be strong without the words that anyone who knows its owner would try.
No composition rule (a digit, a symbol): NIST SP 800-63B advises against them, and zxcvbn judges better.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from motcua_platform.i18n import _

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified when an account does not exist, so a wrong e-mail costs as long as a wrong password.
    Made on first use: hashing at import would slow every command's start-up."""
    return _hasher.hash("motcua-timing-equaliser")


MIN_LENGTH = 10
MIN_SCORE = 3
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; a longer password is judged on its first 72 characters
# Words tied to this platform that a guesser tries first whatever the account: its name, "password",
# "administrator", "public service", "citizen", "one-stop shop" in Vietnamese (written without accents).
SITE_WORDS = ("motcua", "motcuadientu", "matkhau", "quantri", "dichvucong", "congdan", "vietnam")
_SITE_LABEL = _("a word tied to this platform (such as 'motcua' or 'matkhau')")
# what each kind of personal detail is called in a refusal ("Password contains your name.")
LABELS = {
    "e-mail address": _("your e-mail address"),
    "phone number": _("your phone number"),
    "name": _("your name"),
    "ID number": _("your ID number"),
    "tax code": _("your tax code"),
    "login": _("your login"),
}
# Shorter context words ("phu", "tho") are given to zxcvbn but not taken out of the password on their own
# (they hide in too many innocent words); a longer run that holds them ("phutho") is.
_MIN_CONTEXT_WORD = 4
_zxcvbn_lock = threading.Lock()  # zxcvbn keeps the user inputs of a call in a module-level dictionary


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _fold(text: str) -> str:
    """Lower case, without accents: 'Tỉnh Phú Thọ' → 'tinh phu tho'."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _context_words(text: str) -> set[str]:
    """The words a guesser derives from a detail: each word, and every run of adjacent words written
    together ('Tỉnh Phú Thọ' → 'tinh', 'phutho', 'tinhphutho', …; 'an.nguyen@example.vn' → 'an.nguyen@example.vn',
    'annguyen', 'nguyen', 'example', …)."""
    folded = _fold(text).strip()
    parts = [part for part in re.split(r"[^a-z0-9]+", folded) if part]
    runs = {"".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}
    return {word for word in runs | {folded} if len(word) >= 3}


def _score(password: str, words: Iterable[str]) -> dict:
    from zxcvbn import zxcvbn  # imported on first use: loading its word lists slows every command's start

    if not password:  # nothing left once the context words are out (zxcvbn fails on an empty string)
        return {"score": 0, "sequence": [], "feedback": {"warning": ""}}
    with _zxcvbn_lock:
        return zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=sorted(words))


def password_problems(password: str, *, personal: Mapping[str, str | None], site: Iterable[str | None]) -> list[str]:
    """Why ``password`` is refused, one message per reason (empty: accepted). ``personal``: the account's
    own details by what they are ({"e-mail address": …, "name": …}); ``site``: the names of the province
    the account belongs to (its slug, name and display name; none for the vendor's operators)."""
    if len(password) < MIN_LENGTH:
        return [f"Password must be at least {MIN_LENGTH} characters."]
    labelled: dict[str, str] = {}  # context word → what it is, the account's own details first
    for label, value in personal.items():
        for word in _context_words(value or ""):
            labelled.setdefault(word, LABELS.get(label) or _("your %(label)s", label=label))
    for value in site:
        for word in _context_words(value or ""):
            labelled.setdefault(word, _("the name of the province"))
    for word in SITE_WORDS:
        labelled.setdefault(word, _SITE_LABEL)

    plain = re.sub(r"[^a-z0-9]", "", _fold(password))
    remainder, found = plain, []
    for word in sorted(labelled, key=len, reverse=True):  # the longest first: 'phutho' before 'phu'
        if len(word) >= _MIN_CONTEXT_WORD and word in remainder:
            remainder = remainder.replace(word, "")
            found.append(labelled[word])
    judged = [_score(password, labelled), _score(remainder, labelled)]
    weakest = min(judged, key=lambda result: result["score"])
    if weakest["score"] >= MIN_SCORE:
        return []
    # (each label once: rendered, as a lazy message is not hashable)
    reasons = [_("Password contains %(what)s.", what=what) for what in dict.fromkeys(str(label) for label in found)]
    common = [m for m in weakest["sequence"] if m.get("dictionary_name") == "passwords"]
    if common and len(common[0]["token"]) >= len(password) - 2:
        reasons.append(_("Password is too common: it is one of the most used passwords."))
    elif common:
        reasons.append(_("Password is built on a common password."))
    if not reasons:
        warning = weakest["feedback"]["warning"]
        # zxcvbn's own warning is English only
        reasons.append(
            _("Password is too easy to guess: %(warning)s", warning=warning)
            if warning
            else _("Password is too easy to guess.")
        )
    reasons.append(_("Choose a longer password, for example four or more words that have nothing to do with you."))
    return reasons
