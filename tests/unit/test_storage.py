"""The storage contract, run against each backend: local files in a tmp folder, and S3 through boto3
against a real S3-compatible server (moto's) on 127.0.0.1. Then the per-tenant namespace."""

import hashlib
import io

import pytest
from motcua_platform.config import Config
from motcua_platform.storage.local import LocalObjectStore
from motcua_platform.storage.s3 import S3ObjectStore
from motcua_platform.storage.services import TenantObjects, new_key, object_store


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalObjectStore(tmp_path / "storage")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3ObjectStore("motcua-test", endpoint_url=endpoint, region="us-east-1")


def test_put_open_exists_delete_round_trip(store):
    key = f"alpha/{new_key('documents')}"
    body = b"%PDF-1.7\n" + bytes(range(256)) * 4096  # ~1 MiB, binary
    assert not store.exists(key)
    store.put(key, io.BytesIO(body), content_type="application/pdf")
    assert store.exists(key)
    with store.open(key) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == hashlib.sha256(body).hexdigest()
    store.put(key, io.BytesIO(b"replaced"), content_type="application/pdf")
    with store.open(key) as stream:
        assert stream.read() == b"replaced"
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting twice is fine
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_put_streams_from_the_current_position(store):
    key = f"alpha/{new_key('documents')}"
    data = io.BytesIO(b"skipped|kept")
    data.seek(8)
    store.put(key, data, content_type="image/png")
    with store.open(key) as stream:
        assert stream.read() == b"kept"


def test_local_store_writes_under_its_root_only(tmp_path):
    store = LocalObjectStore(tmp_path / "storage")
    store.put("alpha/documents/abc", io.BytesIO(b"x"), content_type="image/png")
    assert (tmp_path / "storage" / "alpha" / "documents" / "abc").read_bytes() == b"x"
    assert not list((tmp_path / "storage" / "alpha" / "documents").glob(".upload-*"))  # no temp files left
    with pytest.raises(ValueError):
        store.put("../outside", io.BytesIO(b"x"), content_type="image/png")
    assert not (tmp_path / "outside").exists()


@pytest.mark.parametrize(
    "key", ["../beta/documents/x", "documents/../../beta/x", "/beta/x", "Documents/X", "documents/a.pdf", "", "a//b"]
)
def test_tenant_view_refuses_keys_that_are_not_ours(tmp_path, key):
    objects = TenantObjects(LocalObjectStore(tmp_path), "alpha")
    with pytest.raises(ValueError):
        objects.put(key, io.BytesIO(b"x"), content_type="image/png")
    with pytest.raises(ValueError):
        objects.open(key)
    assert not any(tmp_path.rglob("*"))


def test_two_tenants_with_the_same_key_never_meet(store):
    key = new_key("documents")
    alpha, beta = TenantObjects(store, "alpha"), TenantObjects(store, "beta")
    alpha.put(key, io.BytesIO(b"alpha's"), content_type="image/png")
    assert not beta.exists(key)
    with pytest.raises(FileNotFoundError):
        beta.open(key)
    beta.delete(key)  # cannot touch alpha's
    with alpha.open(key) as stream:
        assert stream.read() == b"alpha's"


def test_tenant_view_needs_a_tenant_slug(tmp_path):
    for slug in ("", "../x", "Alpha", "a/b"):
        with pytest.raises(ValueError):
            TenantObjects(LocalObjectStore(tmp_path), slug)


def test_new_keys_are_random():
    assert len({new_key("documents") for _ in range(1000)}) == 1000


def test_backend_is_chosen_by_the_configuration(tmp_path, s3_endpoint):
    local = object_store(Config(instance_path=tmp_path))
    assert isinstance(local, LocalObjectStore) and local.root == (tmp_path / "storage").resolve()
    s3 = object_store(
        Config(instance_path=tmp_path, storage="s3", s3_bucket="motcua-test", s3_endpoint_url=s3_endpoint)
    )
    assert isinstance(s3, S3ObjectStore) and s3.bucket == "motcua-test"


def test_keys_lists_everything_under_a_prefix_and_nothing_else(store):
    keys = {f"alpha/{new_key('documents')}", f"alpha/{new_key('drafts')}", f"alpha/{new_key('documents')}"}
    for key in keys:
        store.put(key, io.BytesIO(b"x"), content_type="image/png")
    store.put(f"alphabet/{new_key('documents')}", io.BytesIO(b"x"), content_type="image/png")  # shares "alpha"
    store.put(f"beta/{new_key('documents')}", io.BytesIO(b"x"), content_type="image/png")
    assert set(store.keys_under("alpha/")) >= keys
    assert all(key.startswith("alpha/") for key in store.keys_under("alpha/"))
    assert not list(store.keys_under("nobody/"))


def test_tenant_view_lists_its_own_keys_without_its_prefix(store):
    alpha, beta = TenantObjects(store, "alpha"), TenantObjects(store, "beta")
    key = new_key("documents")
    alpha.put(key, io.BytesIO(b"x"), content_type="image/png")
    beta.put(new_key("documents"), io.BytesIO(b"y"), content_type="image/png")
    assert key in set(alpha.all_keys())
    assert all(not k.startswith(("alpha/", "beta/")) for k in alpha.all_keys())
    assert key not in set(beta.all_keys())


def test_local_keys_skip_puts_still_being_written(tmp_path):
    store = LocalObjectStore(tmp_path / "storage")
    store.put("alpha/documents/abc", io.BytesIO(b"x"), content_type="image/png")
    (tmp_path / "storage" / "alpha" / "documents" / ".upload-123").write_bytes(b"half")
    assert list(store.keys_under("alpha/")) == ["alpha/documents/abc"]


def test_keys_under_a_prefix_exclude_a_longer_one(store):
    prefix = f"k{new_key('x')[2:12]}"  # a tenant-like prefix no other test (sharing the bucket) uses
    mine = {f"{prefix}/documents/a1", f"{prefix}/drafts/b2/c3"}
    for key in [*mine, f"{prefix}x/documents/other"]:
        store.put(key, io.BytesIO(b"1"), content_type="text/plain")
    assert set(store.keys_under(f"{prefix}/")) == mine
    assert set(TenantObjects(store, prefix).all_keys()) == {"documents/a1", "drafts/b2/c3"}
    assert list(store.keys_under("nobody-here/")) == []
