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


def test_password_rules():
    assert password_problems("short1!")
    assert password_problems("onlyletterslong")
    assert password_problems("12345678901")
    assert password_problems("Letters-and-1") == []


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
