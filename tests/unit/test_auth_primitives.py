from motcua_platform.auth.passwords import hash_password, password_problems, verify_password
from motcua_platform.auth.tokens import hash_secret, is_citizen_secret, new_token, split_token
from motcua_platform.tenancy import normalise_host


def test_password_hash_is_argon2id_and_verifies():
    hashed = hash_password("Correct-horse-9")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Correct-horse-9")
    assert not verify_password(hashed, "correct-horse-9")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


PHUTHO = {"site": ("phutho", "Tỉnh Phú Thọ", "Cổng dịch vụ công tỉnh Phú Thọ")}
OFFICER = {"e-mail address": "can.bo@example.vn", "name": "Nguyễn Văn Cán Bộ"}


def problems(password, personal=OFFICER, **site):
    return password_problems(password, personal=personal, **(site or PHUTHO))


def test_password_length_rule():
    assert problems("Xy-9!k") == ["Password must be at least 10 characters."]


def test_common_passwords_are_refused():
    assert "Password is too common: it is one of the most used passwords." in problems("password123")
    assert "Password is built on a common password." in problems("Password12345")
    assert problems("qwertyuiop12") and problems("1234567890123") and problems("aaaaaaaaaaaaaaaa")


def test_passwords_built_from_the_context_are_refused():
    # the old demo password, the province's name and a year, however written
    for password in ("MotCua@2026", "Matkhau-2026!", "PhuTho2026!", "Phu-Tho-2026", "Tỉnh Phú Thọ 2026"):
        assert problems(password), password
    assert "Password contains the name of the province." in problems("Phu-Tho-2026")
    assert "Password contains a word tied to this platform (such as 'motcua' or 'matkhau')." in problems("MotCua@2026")
    assert "Password contains your e-mail address." in problems("can.bo@example.vn")
    assert "Password contains your name." in problems("Nguyen-Van-Can-Bo-1")
    # three context words with separators look like three random words to zxcvbn alone
    assert "Password contains your e-mail address." in problems("Canbo-Phutho-2026")
    # the same password is fine for someone else somewhere else
    assert problems("Canbo-Phutho-2026", personal={}, site=()) == []


def test_strong_passwords_are_accepted_and_long_ones_judged():
    for password in ("Tre-xanh-Bao-Moc-73", "correct horse battery staple", "Hoa-mai-Tet-den-2026"):
        assert problems(password) == [], password
    assert problems("Tre-xanh-Bao-Moc-73 " * 10) == []  # past zxcvbn's 72 characters
    assert problems("x" * 200)  # judged on its first 72 characters: a repeat


def test_every_refusal_says_what_to_do():
    for password in ("password123", "Phu-Tho-2026", "Letters-and-1"):
        assert problems(password)[-1].startswith("Choose a longer password")


def test_token_carries_scope_and_only_its_hash_is_stored():
    token, token_hash = new_token("phutho")
    scope, secret = split_token(token)
    assert scope == "phutho"
    assert token_hash == hash_secret(secret)
    assert secret not in token_hash
    assert split_token("garbage") is None
    assert split_token("phutho.short") is None


def test_host_normalisation():
    assert normalise_host("PhuTho.Motcua.Localhost:8000") == "phutho.motcua.localhost"
    assert normalise_host("phutho.motcua.localhost.") == "phutho.motcua.localhost"
    idn = normalise_host("DịchVụCông.vn")
    assert idn.startswith("xn--") and idn.endswith(".vn")
    assert idn.encode("ascii").decode("idna") == "dịchvụcông.vn"
    assert normalise_host("") is None


def test_citizen_tokens_are_told_apart_from_staff_tokens_by_their_marker():
    for _ in range(200):
        staff, _ = new_token("alpha")
        assert not is_citizen_secret(split_token(staff)[1])
    citizen, stored = new_token("alpha", citizen=True)
    scope, secret = split_token(citizen)
    assert scope == "alpha" and citizen.startswith("alpha.citizen.") and is_citizen_secret(secret)
    assert stored == hash_secret(secret)
