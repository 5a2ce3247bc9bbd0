"""The province admin's console in a real browser: a new staff member created with a temporary password
shown once, their roles edited, their login (locked by failed attempts) unlocked; then a unit the kind
rules refuse to move (the province's service centre under a commune), the refusal shown by its field; and
the new member's first login, which asks for their own password before anything else.
Every page is checked with axe-core and photographed at 375 and 1280 px (browser_support.Tab.look)."""

from __future__ import annotations

import secrets

from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD


def api_login(tab, live, email: str, password: str):
    return tab.page.context.request.post(
        live.direct("/api/v1/auth/login"), data={"email": email, "password": password}, headers={"Host": live.host}
    )


def api(tab, live, method: str, path: str):
    """The staff API as the province's admin (outside the browser's session)."""
    headers = {"Host": live.host, "Authorization": f"Bearer {live.tenant.admin_token}"}
    return tab.page.context.request.fetch(live.direct(path), method=method, headers=headers)


def test_an_admin_edits_roles_unlocks_and_meets_the_unit_kind_rule(open_browser, live):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    units, slug, tag = live.tenant.units, live.tenant.slug, secrets.token_hex(3)
    tab = open_browser(language)
    tab.goto("/console/admin/staff")
    fill(tab, {"email": f"admin@{slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/console/admin/staff"
    assert f"officer@{slug}.test" in tab.text()
    tab.look("staff")

    # a new officer of commune A, with the temporary password shown once
    tab.link(_("Add a staff member")).click()
    email = f"lan.{tag}@{slug}.test"
    fill(tab, {"full_name": "Nguyễn Thị Lan", "email": email, "role-0": "officer", "unit-0": str(units["commune_a"])})
    tab.look("staff-new")
    tab.button(_("Create the account")).click()
    password = tab.page.locator("#temporary-password").inner_text().strip()
    assert len(password) == 24
    tab.look("staff-created")

    # locked out by failed logins, then unlocked by the admin
    for _attempt in range(6):
        api_login(tab, live, email, "not the password")
    assert api_login(tab, live, email, password).status == 429
    tab.link(_("Done: back to the account")).click()
    assert _("Not locked") not in tab.text()

    # a second role: finance viewer of the department
    fill(tab, {"full_name": "Nguyễn Thị Lan Anh", "role-1": "finance_viewer", "unit-1": str(units["department"])})
    tab.button(_("Save name and roles")).click()
    assert _("The account of %(name)s is saved.", name="Nguyễn Thị Lan Anh") in tab.text()
    assert tab.page.locator("#field-unit-1").input_value() == str(units["department"])
    tab.look("staff-edit")
    tab.button(_("Unlock the login")).click()
    assert _("Not locked") in tab.text()
    tab.look("staff-unlocked")
    answer = api_login(tab, live, email, password)
    assert answer.status == 201 and answer.json()["must_change_password"] is True
    me = tab.page.context.request.get(
        live.direct("/api/v1/me"), headers={"Host": live.host, "Authorization": f"Bearer {answer.json()['token']}"}
    ).json()
    assert sorted((r["role"], r["unit_id"]) for r in me["roles"]) == [
        ("finance_viewer", units["department"]),
        ("officer", units["commune_a"]),
    ]

    # the province's service centre, then an attempt to move it under commune B
    tab.link(_("Units")).click()
    assert tab.path == "/console/admin/units"
    tab.look("units")
    tab.link(_("Add a unit")).click()
    name = f"TTPVHCC tỉnh {tag}"
    code = f"000.99.{tag}.S01"
    fill(tab, {"name": name, "code": code, "kind": "service_centre", "parent_id": str(units["root"])})
    tab.button(_("Create the unit")).click()
    assert _("The unit “%(name)s” is created.", name=name) in tab.text()
    tab.link(name).click()
    fill(tab, {"parent_id": str(units["commune_b"])})
    tab.button(_("Save the unit")).click()
    refusal = _(
        "The province's service centre cannot be moved under a commune; create the commune's own centre instead."
    )
    assert refusal in tab.page.locator("#error-parent_id").inner_text()
    assert tab.page.locator("#field-parent_id").get_attribute("aria-invalid") == "true"
    tab.look("unit-refused")
    tab.link(_("Back to the units")).click()
    assert name in tab.text()
    # the live province is shared by the session's browser tests (the portal lists its receiving units)
    centre = next(u for u in api(tab, live, "GET", f"/api/v1/units?q={code}").json() if u["code"] == code)
    assert api(tab, live, "DELETE", f"/api/v1/units/{centre['id']}").status == 204

    tab.link(_("Audit trail")).click()
    assert _("Unlocked a staff account") in tab.text()
    tab.look("audit")

    # the new member's first login: their own password before anything else
    member = open_browser(language)
    member.goto("/console")
    fill(member, {"email": email, "password": password})
    member.button(_("Log in")).click()
    assert member.path == "/console/password"
    assert _("Choose your own password") in member.text()
    member.look("forced-password")
    own = f"Mây trắng bay qua đỉnh núi {tag}"
    fill(member, {"current_password": password, "new_password": own, "new_password_again": own})
    member.button(_("Change the password")).click()
    assert member.path == "/console"
    assert _("Your password is changed. You are logged out everywhere else.") in member.text()
    assert api_login(member, live, email, password).status == 401
