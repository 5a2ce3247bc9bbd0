import pytest
from motcua_tenants.registry.slugs import slug_problems


@pytest.mark.parametrize("slug", ["phutho", "daklak", "angiang2", "ab"])
def test_valid_slugs(slug):
    assert slug_problems(slug) == []


@pytest.mark.parametrize(
    ("slug", "reason"),
    [
        ("", "required"),
        ("PhuTho", "lower-case"),
        ("phu-tho", "letters a–z and digits"),
        ("phu_tho", "letters a–z and digits"),
        ("phú", "letters a–z and digits"),
        ("phu tho", "letters a–z and digits"),
        ("1phutho", "starting with a letter"),
        ("a", "2–30 characters"),
        ("a" * 31, "2–30 characters"),
        ("x;drop", "letters a–z and digits"),
        ("select", "reserved"),
        ("user", "reserved"),
        ("table", "reserved"),
        ("www", "reserved"),
        ("public", "reserved"),
        ("control", "reserved"),
        ("pgadmin", "reserved"),
    ],
)
def test_invalid_slugs_say_why(slug, reason):
    problems = slug_problems(slug)
    assert len(problems) == 1
    assert reason in problems[0]
