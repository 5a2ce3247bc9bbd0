"""Which unit a workflow step goes to (motcua_onestop.dossiers.workflow.services.assign_unit)."""

from motcua_onestop.dossiers.workflow.services import assign_unit

# province 1 ── department 2 ── sector office 6
#            ├─ commune 3 ── service centre 5
#            └─ commune 4 ── service centre 7
TREE = {
    1: (None, "province"),
    2: (1, "department"),
    3: (1, "commune"),
    4: (1, "commune"),
    5: (3, "service_centre"),
    6: (2, "sector_office"),
    7: (4, "service_centre"),
}


def test_the_receiving_unit_itself_when_it_has_the_kind():
    assert assign_unit(TREE, 3, "commune") == 3


def test_a_descendant_before_anything_above():
    assert assign_unit(TREE, 3, "service_centre") == 5
    assert assign_unit(TREE, 4, "service_centre") == 7  # its own centre, not the neighbour's


def test_an_ancestor_or_its_subtree_for_lien_thong():
    assert assign_unit(TREE, 5, "commune") == 3  # the centre's own commune
    assert assign_unit(TREE, 3, "department") == 2  # commune → province department
    assert assign_unit(TREE, 3, "sector_office") == 6
    assert assign_unit(TREE, 6, "province") == 1


def test_no_unit_of_that_kind_keeps_the_receiving_unit():
    assert assign_unit({1: (None, "province"), 3: (1, "commune")}, 3, "sector_office") == 3
