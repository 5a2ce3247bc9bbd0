def test_portal_of_each_seeded_tenant_names_that_tenant(host_client, seeded):
    for slug in ("alpha", "beta"):
        response = host_client(seeded[slug].host).get("/api/v1/portal")
        assert response.status_code == 200
        assert response.get_json()["slug"] == slug
