"""Test data shared by the dossier tests: a marriage registration (civil_status plugin, 5 working days)
received at commune A of tenant alpha."""

from motcua_onestop.dossiers.intake import services as intake
from motcua_platform.audit.services import Actor
from motcua_platform.plugins.engine import active

MARRIAGE = "1.000894"  # 5 working days, civil_status plugin
FORM = {
    "husband_full_name": "Trần Văn Chồng",
    "husband_citizen_id": "079090001111",
    "husband_date_of_birth": "1990-01-01",
    "wife_full_name": "Lê Thị Vợ",
    "wife_citizen_id": "079092002222",
    "wife_date_of_birth": "1992-02-02",
    "residence": "Xã A",
}
APPLICANT = {"full_name": "Trần Văn Chồng", "citizen_id": "079090001111", "contact": "0901234567"}
SYSTEM = Actor("system", None, "test")


def intake_body(seeded, channel="counter", **changes):
    return {
        "procedure_code": MARRIAGE,
        "receiving_unit_id": seeded["alpha"].units["commune_a"],
        "channel": channel,
        "applicant": APPLICANT,
        "form": FORM,
        **changes,
    }


def citizen_client(host_client, seeded, slug="alpha"):
    """The seeded citizen of ``slug`` (citizen@<slug>.test), logged in: online intake needs one."""
    return host_client(seeded[slug].host, seeded[slug].citizen_token)


def move(client, code, to_status, version, comment=None):
    body = {"to_status": to_status} | ({"comment": comment} if comment else {})
    return client.post(f"/api/v1/dossiers/{code}/transitions", json=body, headers={"If-Match": f'"{version}"'})


def intake_in(
    session, seeded, channel="counter", *, unit=None, name="A", citizen_id=None, contact=None, officers=None, now=None
):
    """``intake.intake`` of the marriage form at commune A of alpha (or ``unit``), for tests of the service
    layer: by the system actor with a role on the province's root (or ``officers``), every plugin enabled."""
    units = seeded["alpha"].units
    data = intake.Intake(MARRIAGE, unit or units["commune_a"], channel, name, FORM, citizen_id, contact)
    officers = officers or {units["root"]}
    return intake.intake(session, SYSTEM, officers, active(), seeded["alpha"].context, data, now=now)
