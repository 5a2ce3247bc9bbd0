"""The citizen's view of a dossier is the officer's schema minus the internal fields: pinned here, so a field
added to the officer's view is shown to the applicant only by a deliberate change."""

from motcua_onestop.dossiers.schemas import DossierSchema, OwnDossierSchema

CITIZEN_FIELDS = {
    "code",
    "procedure_code",
    "procedure_name",
    "receiving_unit_id",
    "channel",
    "applicant_name",
    "applicant_citizen_id",
    "applicant_contact",
    "form_data",
    "fees",
    "total_fee",
    "payment_method",
    "status",
    "status_name",
    "can_withdraw",
    "can_report_supplement",
    "submitted_at",
    "received_at",
    "due_at",
    "extended_due_at",
    "finished_at",
    "returned_at",
    "current_step",
    "version",
    "history",
    "can_rate",
    "rating",
}


def test_the_owner_sees_exactly_the_citizen_fields():
    assert set(OwnDossierSchema().fields) == CITIZEN_FIELDS


def test_the_officer_view_keeps_its_internal_fields_and_no_citizen_actions():
    officer = set(DossierSchema().fields)
    assert {"id", "citizen_account_id", "allowed_transitions", "checklist", "documents"} <= officer
    assert not officer & {"can_withdraw", "can_report_supplement", "history"}


def test_the_owner_view_dumps_nothing_internal():
    shown = OwnDossierSchema().dump({"id": 7, "citizen_account_id": 3, "code": "X", "allowed_transitions": [2]})
    assert shown == {"code": "X"}
