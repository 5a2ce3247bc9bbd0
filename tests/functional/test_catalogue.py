"""The procedure catalogue on a tenant host: plugins, search, overrides, versions, drift, forms, import/export."""

import csv
import dataclasses
import io
import json

from motcua_platform.plugins import engine
from motcua_platform.plugins.definitions import Fee, TimeLimit, TimeUnit
from motcua_platform.plugins.engine import PluginRegistry, active
from sqlalchemy import event


def codes(response):
    assert response.status_code == 200, response.get_json()
    return [p["code"] for p in response.get_json()]


def test_catalogue_holds_the_enabled_plugins_procedures(host_client, seeded):
    anonymous = host_client(seeded["alpha"].host)
    response = anonymous.get("/api/v1/procedures?page_size=50")
    assert len(codes(response)) == 15
    assert '"total": 15' in response.headers["X-Pagination"]
    assert sorted(anonymous.get("/api/v1/portal").get_json()["plugins"]) == sorted(active().names)


def test_search_is_accent_insensitive_by_word_prefix_and_ranked(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    assert codes(client.get("/api/v1/procedures?q=dang ky khai sinh"))[0] == "1.001193"
    assert codes(client.get("/api/v1/procedures?q=Đăng ký khai sinh"))[0] == "1.001193"
    assert set(codes(client.get("/api/v1/procedures?q=khai"))) >= {"1.001193", "1.000656"}
    assert set(codes(client.get("/api/v1/procedures?q=giay phep xay"))) == {"1.009994", "1.009997", "1.009996"}
    assert codes(client.get("/api/v1/procedures?q=xay dung gia han")) == ["1.009997"]
    assert codes(client.get("/api/v1/procedures?q=1.012800")) == ["1.012800"]
    assert codes(client.get("/api/v1/procedures?q=hon nhan khai")) == []  # every word must match
    assert codes(client.get("/api/v1/procedures?q=ai sinh")) == []  # prefixes of words, not any substring
    assert codes(client.get("/api/v1/procedures?q=inh")) == ["1.012801"]  # "Inheritance …" (English name)


def test_a_provincial_codes_suffix_is_a_word_and_the_code_is_found_whole_or_by_its_start(alpha, host_client, seeded):
    body = {**GOOD_ROW, "ma_thu_tuc": "2.001000.H15", "ten_thu_tuc": "Cấp phép khai thác cát"}
    file = csv_file([body]).encode()
    assert alpha.post("/api/v1/catalogue/import?format=csv", data=file, content_type="text/csv").status_code == 201
    client = host_client(seeded["alpha"].host)
    for q in ("h15", "H15", "2.001000.H15", "2.0010", "khai thac h15"):
        assert "2.001000.H15" in codes(client.get(f"/api/v1/procedures?q={q}")), q
    assert codes(client.get("/api/v1/procedures?q=001000")) == []  # inside a word, not at its start


def test_filters_and_pagination(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    civil = client.get("/api/v1/procedures?field=Hộ tịch").get_json()
    assert len(civil) == 4 and {p["plugin"] for p in civil} == {"civil_status"}
    partial = client.get("/api/v1/procedures?online_mode=partial&level=province").get_json()
    assert partial and all(p["online_mode"] == "partial" and p["level"] == "province" for p in partial)
    assert {p["competent_unit_kind"] for p in client.get("/api/v1/procedures?unit_kind=sector_office").get_json()} == {
        "sector_office"
    }
    page2 = client.get("/api/v1/procedures?page=2&page_size=10")
    assert len(page2.get_json()) == 5
    assert client.get("/api/v1/procedures?online_mode=sometimes").status_code == 422


def test_disabling_a_plugin_hides_its_procedures_for_that_tenant_only(platform, host_client, seeded):
    response = platform.put("/api/v1/tenants/alpha/plugins/land", json={"enabled": False})
    assert response.status_code == 200 and response.get_json()["enabled"] is False
    alpha = host_client(seeded["alpha"].host)
    assert len(codes(alpha.get("/api/v1/procedures?page_size=50"))) == 11
    assert alpha.get("/api/v1/procedures/1.012800").status_code == 404
    assert len(codes(host_client(seeded["beta"].host).get("/api/v1/procedures?page_size=50"))) == 15
    assert platform.put("/api/v1/tenants/alpha/plugins/land", json={"enabled": True}).status_code == 200
    assert len(codes(alpha.get("/api/v1/procedures?page_size=50"))) == 15  # no duplicates after re-enabling
    states = {s["name"]: s for s in platform.get("/api/v1/tenants/alpha/plugins").get_json()}
    assert states["land"]["enabled"] and states["household_business"]["settings"]["online_discount_percent"] == 50


def test_plugin_management_bad_input(platform, host_client, seeded):
    assert platform.put("/api/v1/tenants/alpha/plugins/ghost", json={"enabled": True}).status_code == 404
    assert platform.put("/api/v1/tenants/nobody/plugins/land", json={"enabled": True}).status_code == 404
    bad = platform.put("/api/v1/tenants/alpha/plugins/civil_status", json={"enabled": True, "settings": {"x": 1}})
    assert bad.status_code == 422 and "x" in bad.get_json()["errors"]["settings"]
    assert platform.put("/api/v1/tenants/alpha/plugins/land", json={}).status_code == 422
    finance = host_client("motcua.test", seeded["platform"].tokens["finance"])
    assert finance.put("/api/v1/tenants/alpha/plugins/land", json={"enabled": False}).status_code == 403
    listed = platform.get("/api/v1/plugins").get_json()
    assert [p["name"] for p in listed] == list(active().names)


def test_override_fee_makes_a_draft_then_a_new_published_version(alpha, host_client, seeded):
    public = host_client(seeded["alpha"].host)
    draft = alpha.patch(
        "/api/v1/procedures/2.000635",
        json={"fees": [{"name": "Phí cấp bản sao trích lục", "amount": 10000, "per": "bản"}]},
    )
    assert draft.status_code == 200, draft.get_json()
    body = draft.get_json()
    assert (body["version"], body["status"], body["overridden"]) == (2, "draft", ["fees"])
    assert public.get("/api/v1/procedures/2.000635").get_json()["version"] == 1  # draft not public
    published = alpha.post("/api/v1/procedures/2.000635/publish")
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    current = public.get("/api/v1/procedures/2.000635").get_json()
    assert current["version"] == 2 and current["fees"][0]["amount"] == 10000
    old = public.get("/api/v1/procedures/2.000635?version=1").get_json()
    assert old["fees"][0]["amount"] == 8000  # a dossier under version 1 keeps its terms
    statuses = [(v["version"], v["status"]) for v in alpha.get("/api/v1/procedures/2.000635/versions").get_json()]
    assert statuses == [(1, "retired"), (2, "published")]
    check = public.post(
        "/api/v1/procedures/2.000635/form/check",
        json={
            "applicant": {
                "full_name": "Lê Văn C",
                "citizen_id": "079095001234",
                "date_of_birth": "1995-01-01",
                "address": "Tân An",
            },
            "event": "khai_sinh",
            "copies": 3,
        },
    )
    assert check.get_json()["total_fee"] == 30000


def test_plugin_procedures_keep_their_definition(alpha, host_client, seeded):
    refused = alpha.patch("/api/v1/procedures/1.001193", json={"name_vi": "Khai sinh", "field": "Khác"})
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"name_vi", "field"}
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.patch("/api/v1/procedures/1.001193", json={"online_mode": "partial"}).status_code == 403
    assert alpha.post("/api/v1/procedures/1.001193/publish").status_code == 409  # no draft
    reverted = alpha.patch("/api/v1/procedures/1.001193", json={"online_mode": "full"})
    assert reverted.get_json()["overridden"] == []  # same as the plugin: not an override


def test_drift_shows_plugin_changes_and_update_keeps_overrides(alpha, seeded, monkeypatch):
    assert alpha.patch("/api/v1/procedures/1.009994", json={"time_limit_value": 12}).status_code == 200
    assert alpha.post("/api/v1/procedures/1.009994/publish").status_code == 200
    assert alpha.get("/api/v1/catalogue/drift").get_json() == []

    # A new release of the construction plugin changes the fee and the time limit.
    plugins = []
    for plugin in active():
        if plugin.name == "construction":
            changed = dataclasses.replace(
                plugin.procedures[0],
                fees=(Fee("Lệ phí cấp giấy phép", 100_000),),
                time_limit=TimeLimit(20, TimeUnit.DAYS),
            )
            plugin = type(plugin)()
            plugin.procedures = (changed, *plugin.procedures[1:])
        plugins.append(plugin)
    monkeypatch.setattr(engine, "_active", PluginRegistry(plugins))

    (drift,) = alpha.get("/api/v1/catalogue/drift").get_json()
    assert drift["code"] == "1.009994" and drift["removed"] is False
    assert drift["overrides_drifted"] == ["time_limit_value"]
    assert drift["updates_available"] == ["fees"]
    updated = alpha.post("/api/v1/procedures/1.009994/apply-plugin-update").get_json()
    assert updated["status"] == "draft" and updated["fees"][0]["amount"] == 100_000
    assert updated["time_limit_value"] == 12  # the province's override stays
    assert alpha.post("/api/v1/procedures/1.009994/publish").status_code == 200
    assert alpha.get("/api/v1/catalogue/drift").get_json() == []


def test_own_procedure_lifecycle(alpha, host_client, seeded):
    public = host_client(seeded["alpha"].host)
    created = alpha.post(
        "/api/v1/procedures",
        json={
            "code": "1.003456.H40",
            "name_vi": "Cấp phép tổ chức lễ hội truyền thống",
            "field": "Văn hóa",
            "level": "province",
            "competent_unit_kind": "department",
            "time_limit_value": 10,
            "time_limit_unit": "working_days",
            "online_mode": "partial",
            "fees": [{"name": "Lệ phí", "amount": 0}],
        },
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["status"] == "draft"
    assert public.get("/api/v1/procedures/1.003456.H40").status_code == 404
    alpha.post("/api/v1/procedures/1.003456.H40/publish")
    assert codes(public.get("/api/v1/procedures?q=le hoi truyen thong")) == ["1.003456.H40"]
    assert (
        alpha.patch("/api/v1/procedures/1.003456.H40", json={"name_vi": "Cấp phép lễ hội"}).get_json()["version"] == 2
    )
    duplicate = alpha.post(
        "/api/v1/procedures",
        json={**created.get_json(), "id": None} | {"code": "1.001193"}
        if False
        else {
            "code": "1.001193",
            "name_vi": "X",
            "field": "X",
            "level": "commune",
            "competent_unit_kind": "commune",
            "time_limit_value": 1,
            "time_limit_unit": "days",
            "online_mode": "none",
        },
    )
    assert duplicate.status_code == 422 and "already used" in duplicate.get_json()["errors"]["code"][0]
    no_form = public.post("/api/v1/procedures/1.003456.H40/form/check", json={})
    assert no_form.status_code == 422
    assert alpha.post("/api/v1/procedures/1.003456.H40/retire").status_code == 200
    assert public.get("/api/v1/procedures/1.003456.H40").status_code == 404


def test_form_description_and_check(host_client, seeded):
    public = host_client(seeded["alpha"].host)
    form = public.get("/api/v1/procedures/1.001193/form").get_json()
    assert "child_full_name" in form["schema"]["properties"] and form["documents"][0]["name"]
    invalid = public.post("/api/v1/procedures/1.001193/form/check", json={"child_sex": "x"})
    assert invalid.status_code == 422
    errors = invalid.get_json()["errors"]
    assert errors["child_full_name"] == ["Trường này là bắt buộc."] and "child_sex" in errors
    assert (
        public.post("/api/v1/procedures/1.001193/form/check", data="[]", content_type="application/json").status_code
        == 422
    )


EXPORT_COLUMNS = [
    "ma_thu_tuc",
    "trang_thai",
    "ten_thu_tuc",
    "linh_vuc",
    "cap_thuc_hien",
    "co_quan_thuc_hien",
    "thoi_han",
    "don_vi_thoi_han",
    "gio_cat",
    "muc_do",
    "muc_do_cu",
    "phi_le_phi",
    "thanh_phan_ho_so",
    "ket_qua",
    "can_cu_phap_ly",
    "nguon",
]


def csv_file(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


GOOD_ROW = {
    "ma_thu_tuc": "2.001000.H15",
    "trang_thai": "published",
    "ten_thu_tuc": "Cấp giấy phép biểu diễn nghệ thuật",
    "linh_vuc": "Nghệ thuật biểu diễn",
    "cap_thuc_hien": "province",
    "co_quan_thuc_hien": "department",
    "thoi_han": "5",
    "don_vi_thoi_han": "working_days",
    "gio_cat": "",
    "muc_do": "full",
    "muc_do_cu": "4",
    "phi_le_phi": "Phí thẩm định|500000",
    "thanh_phan_ho_so": "Văn bản đề nghị|chinh|1; Kịch bản|sao|2",
    "ket_qua": "Văn bản chấp thuận",
    "can_cu_phap_ly": "Nghị định 144/2020/NĐ-CP",
    "nguon": "",
}


def test_export_in_json_and_csv(alpha):
    exported = alpha.get("/api/v1/catalogue/export")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    document = json.loads(exported.data)
    assert document["format"] == "motcua-catalogue/1" and len(document["thu_tuc"]) == 15
    as_csv = alpha.get("/api/v1/catalogue/export?format=csv")
    assert as_csv.mimetype == "text/csv" and "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    copy = next(r for r in rows if r["ma_thu_tuc"] == "2.000635")
    assert copy["phi_le_phi"] == "Phí cấp bản sao trích lục|8000|bản" and copy["nguon"] == "civil_status"


def test_csv_import_all_or_nothing_with_row_errors(beta, host_client, seeded):
    bad = csv_file(
        [
            GOOD_ROW,
            {**GOOD_ROW, "ma_thu_tuc": "2.001001.H15", "thoi_han": "năm", "muc_do": "sometimes"},
            {**GOOD_ROW, "ma_thu_tuc": "2.001000.H15"},
            {**GOOD_ROW, "ma_thu_tuc": "1.001193"},
            {**GOOD_ROW, "ma_thu_tuc": "2.001003.H15", "nguon": "land", "phi_le_phi": "Phí|abc"},
        ]
    )
    response = beta.post("/api/v1/catalogue/import?format=csv", data=bad.encode(), content_type="text/csv")
    assert response.status_code == 422
    problems = {(e["row"], e["column"]) for e in response.get_json()["errors"]["rows"]}
    assert problems == {
        (2, "thoi_han"),
        (2, "muc_do"),
        (3, "ma_thu_tuc"),
        (4, "ma_thu_tuc"),
        (5, "nguon"),
        (5, "phi_le_phi"),
    }
    assert host_client(seeded["beta"].host).get("/api/v1/procedures/2.001000.H15").status_code == 404

    good = csv_file(
        [
            GOOD_ROW,
            {
                **GOOD_ROW,
                "ma_thu_tuc": "2.001002.H15",
                "trang_thai": "draft",
                "ten_thu_tuc": "Cấp phép tổ chức thi người đẹp",
            },
        ]
    )
    imported = beta.post("/api/v1/catalogue/import?format=csv", data=good.encode(), content_type="text/csv")
    assert imported.status_code == 201 and imported.get_json() == {"imported": 2}
    row = host_client(seeded["beta"].host).get("/api/v1/procedures/2.001000.H15").get_json()
    assert row["documents"][1] == {"name": "Kịch bản", "original": False, "count": 2, "required": True}
    assert row["fees"][0]["amount"] == 500000
    again = beta.post("/api/v1/catalogue/import?format=csv", data=good.encode(), content_type="text/csv")
    assert again.status_code == 422  # codes already used


def test_json_import_round_trip_between_tenants(alpha, beta, host_client, seeded):
    assert alpha.post("/api/v1/catalogue/import", json={"thu_tuc": [{**GOOD_ROW, "thoi_han": 5}]}).status_code == 201
    exported = json.loads(alpha.get("/api/v1/catalogue/export").data)
    own = [e for e in exported["thu_tuc"] if not e["nguon"]]
    assert beta.post("/api/v1/catalogue/import", json={"thu_tuc": own}).status_code == 201
    assert (
        host_client(seeded["beta"].host).get("/api/v1/procedures/2.001000.H15").get_json()["fees"]
        == own[0]["phi_le_phi"]
    )


def test_import_refuses_malformed_files(alpha):
    assert alpha.post("/api/v1/catalogue/import", data=b"{oops", content_type="application/json").status_code == 422
    assert alpha.post("/api/v1/catalogue/import", json={"thu_tuc": []}).status_code == 422
    no_header = alpha.post("/api/v1/catalogue/import?format=csv", data=b"a,b\n1,2\n", content_type="text/csv")
    assert no_header.status_code == 422 and "Missing column" in no_header.get_json()["errors"]["file"][0]
    latin1 = alpha.post("/api/v1/catalogue/import?format=csv", data="Đ".encode("utf-16"), content_type="text/csv")
    assert latin1.status_code == 422


def test_catalogue_writes_need_a_tenant_admin(host_client, seeded):
    anonymous = host_client(seeded["alpha"].host)
    assert anonymous.get("/api/v1/catalogue/export").status_code == 401
    assert anonymous.post("/api/v1/procedures/1.001193/publish").status_code == 401
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get("/api/v1/catalogue/drift").status_code == 403


def test_json_import_refuses_wrong_types_and_lengths(alpha):
    rows = [
        {**GOOD_ROW, "ma_thu_tuc": "2.002001.H15", "thanh_phan_ho_so": ["just text"]},
        {**GOOD_ROW, "ma_thu_tuc": "2.002002.H15", "phi_le_phi": ["free"]},
        {**GOOD_ROW, "ma_thu_tuc": "2.002003.H15", "cap_thuc_hien": ["province"]},
        {**GOOD_ROW, "ma_thu_tuc": "2.002004.H15", "ten_thu_tuc": "x" * 401},
        {**GOOD_ROW, "ma_thu_tuc": "2.002005.H15", "thoi_han": 2.9},
        {**GOOD_ROW, "ma_thu_tuc": 2002006},
    ]
    response = alpha.post("/api/v1/catalogue/import", json={"thu_tuc": rows})
    assert response.status_code == 422
    problems = {(e["row"], e["column"]) for e in response.get_json()["errors"]["rows"]}
    assert problems == {
        (1, "thanh_phan_ho_so"),
        (2, "phi_le_phi"),
        (3, "cap_thuc_hien"),
        (4, "ten_thu_tuc"),
        (5, "thoi_han"),
        (6, "ma_thu_tuc"),
    }


def test_form_schema_is_self_contained_and_check_returns_json_dates(host_client, seeded):
    public = host_client(seeded["alpha"].host)
    schema = public.get("/api/v1/procedures/1.001193/form").get_json()["schema"]
    assert "$ref" not in json.dumps(schema)
    assert schema["properties"]["applicant"]["properties"]["citizen_id"]["type"] == "string"
    checked = public.post(
        "/api/v1/procedures/2.000635/form/check",
        json={
            "applicant": {
                "full_name": "Lê Văn C",
                "citizen_id": "079095001234",
                "date_of_birth": "1995-01-01",
                "address": "Tân An",
            },
            "event": "khai_sinh",
            "copies": 2,
        },
    ).get_json()
    assert checked["data"]["applicant"]["date_of_birth"] == "1995-01-01"
    assert checked["total_fee"] == 16000


def test_tenant_settings_reach_the_fee_calculator(platform, host_client, seeded):
    form = {
        "owner": {
            "full_name": "Phạm Thị D",
            "citizen_id": "066190001234",
            "date_of_birth": "1990-05-01",
            "address": "Buôn Ma Thuột",
        },
        "business_name": "Tạp hóa D",
        "address": "Chợ",
        "business_lines": ["Bán lẻ"],
        "capital_vnd": 30_000_000,
        "submitted_online": True,
    }
    public = host_client(seeded["alpha"].host)
    assert public.post("/api/v1/procedures/2.000575/form/check", json=form).get_json()["total_fee"] == 50_000
    assert (
        platform.put(
            "/api/v1/tenants/alpha/plugins/household_business",
            json={"enabled": True, "settings": {"online_discount_percent": 30}},
        ).status_code
        == 200
    )
    assert public.post("/api/v1/procedures/2.000575/form/check", json=form).get_json()["total_fee"] == 70_000
    assert (
        host_client(seeded["beta"].host)
        .post("/api/v1/procedures/2.000575/form/check", json=form)
        .get_json()["total_fee"]
        == 50_000
    )


def test_plugin_release_does_not_change_fees_of_the_current_version(host_client, seeded, monkeypatch):
    plugins = []
    for plugin in active():
        if plugin.name == "civil_status":
            copy = plugin.procedure("extract_copy")
            changed = dataclasses.replace(copy, fees=(Fee("Phí cấp bản sao trích lục", 12_000, per="bản"),))
            plugin = type(plugin)()
            plugin.procedures = tuple(changed if p.key == "extract_copy" else p for p in plugin.procedures)
        plugins.append(plugin)
    monkeypatch.setattr(engine, "_active", PluginRegistry(plugins))
    public = host_client(seeded["alpha"].host)
    checked = public.post(
        "/api/v1/procedures/2.000635/form/check",
        json={
            "applicant": {
                "full_name": "Lê Văn C",
                "citizen_id": "079095001234",
                "date_of_birth": "1995-01-01",
                "address": "Tân An",
            },
            "event": "khai_sinh",
            "copies": 1,
        },
    ).get_json()
    assert checked["total_fee"] == 8000  # the published version's fee until the province applies the update


def test_search_results_follow_catalogue_changes_at_once(alpha, host_client, seeded):
    public = host_client(seeded["alpha"].host)
    assert codes(public.get("/api/v1/procedures?q=khai tu")) == ["1.000656"]
    assert codes(public.get("/api/v1/procedures?q=khai tu")) == ["1.000656"]  # served again (cached)
    assert alpha.post("/api/v1/procedures/1.000656/retire").status_code == 200
    assert codes(public.get("/api/v1/procedures?q=khai tu")) == []
    imported = alpha.post(
        "/api/v1/catalogue/import",
        json={"thu_tuc": [{**GOOD_ROW, "ma_thu_tuc": "2.003001.H15", "ten_thu_tuc": "Khai tử có yếu tố nước ngoài"}]},
    )
    assert imported.status_code == 201
    assert codes(public.get("/api/v1/procedures?q=khai tu")) == ["2.003001.H15"]


def test_a_repeated_search_is_answered_whole_without_the_database(alpha, host_client, seeded, runtime):
    """The same query string again: the stored answer, headers included, without a statement; another
    spelling of the query, or a bad one, is searched (or refused) as before, and so is a page past the
    first three."""
    public = host_client(seeded["alpha"].host)
    first = public.get("/api/v1/procedures?q=khai+tu&page_size=5")
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(runtime.db.engine, "before_cursor_execute", count)
    try:
        again = public.get("/api/v1/procedures?q=khai+tu&page_size=5")
        assert statements == []
        assert (again.status_code, again.data) == (200, first.data)
        assert again.headers["X-Pagination"] == first.headers["X-Pagination"]
        assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]  # each request its own
        assert codes(public.get("/api/v1/procedures?q=KHAI+TỬ&page_size=5")) == codes(first)
        for _ in range(2):
            bad = public.get("/api/v1/procedures?q=khai+tu&page_size=5&nonsense=1")
            assert bad.status_code == 422, bad.get_json()
        deep = "/api/v1/procedures?page_size=1&page=4"  # past the cached pages: searched every time
        assert public.get(deep).status_code == 200
        statements.clear()
        assert public.get(deep).status_code == 200
        assert statements
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", count)


def released_construction_plugin(monkeypatch, **changes) -> None:
    """A new release of the construction plugin whose first procedure (1.009994) has ``changes``."""
    plugins = []
    for plugin in active():
        if plugin.name == "construction":
            changed = dataclasses.replace(plugin.procedures[0], **changes)
            plugin = type(plugin)()
            plugin.procedures = (changed, *plugin.procedures[1:])
        plugins.append(plugin)
    monkeypatch.setattr(engine, "_active", PluginRegistry(plugins))


def test_drift_of_one_procedure_side_by_side(alpha, host_client, seeded, monkeypatch):
    same = alpha.get("/api/v1/catalogue/drift/1.009994")
    assert same.status_code == 200, same.get_json()
    assert not any(f["changed"] for f in same.get_json()["fields"])
    assert alpha.patch("/api/v1/procedures/1.009994", json={"time_limit_value": 12}).status_code == 200
    released_construction_plugin(
        monkeypatch, fees=(Fee("Lệ phí cấp giấy phép", 100_000),), time_limit=TimeLimit(20, TimeUnit.DAYS)
    )
    body = alpha.get("/api/v1/catalogue/drift/1.009994").get_json()
    assert (body["code"], body["plugin"], body["status"], body["removed"]) == (
        "1.009994",
        "construction",
        "draft",
        False,
    )
    fields = {f["name"]: f for f in body["fields"]}
    assert [f["name"] for f in body["fields"]][:2] == ["code", "name_vi"]  # every field, in the entry's order
    limit = fields["time_limit_value"]
    assert (limit["changed"], limit["overridden"], limit["plugin_changed"]) == (True, True, True)
    assert limit["lines"] == [{"kind": "changed", "plugin": "20", "province": "12"}]
    fees = fields["fees"]
    assert (fees["changed"], fees["overridden"], fees["plugin_changed"]) == (True, False, True)
    (line,) = [line for line in fees["lines"] if line["kind"] != "same"]
    assert line["kind"] == "changed" and "100000" in line["plugin"] and "100000" not in line["province"]
    assert fields["name_vi"]["changed"] is False and fields["name_vi"]["lines"][0]["kind"] == "same"
    # only a tenant admin of the province; a procedure that is no plugin's, or unknown, is a 404
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get("/api/v1/catalogue/drift/1.009994").status_code == 403
    assert alpha.get("/api/v1/catalogue/drift/9.999999").status_code == 404


def test_side_by_side_pairs_lines_as_difflib_matches_them():
    from motcua_onestop.catalogue.diff import as_lines, side_by_side

    lines = side_by_side(["a", "b", "c"], ["a", "B", "c", "d"])
    assert [(line.kind, line.plugin, line.province) for line in lines] == [
        ("same", "a", "a"),
        ("changed", "b", "B"),
        ("same", "c", "c"),
        ("province_only", None, "d"),
    ]
    assert [line.kind for line in side_by_side(["x"], [])] == ["plugin_only"]
    assert (
        as_lines(None) == []
        and as_lines(12) == ["12"]
        and as_lines([{"b": 1, "name": "đ", "a": None}]) == ["name: đ · b: 1"]
    )
