import re
from pathlib import Path

import pytest
from motcua_platform.config import SETTINGS, ConfigError, load_config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_defaults_need_no_environment():
    config = load_config({})
    assert config.database_url is None  # embedded database
    assert config.base_domain == "motcua.localhost"
    assert config.web_workers == 2


def test_values_are_parsed_and_normalised():
    config = load_config(
        {
            "MOTCUA_DATABASE_URL": "postgresql://app:pw@db.internal:5432/motcua",
            "MOTCUA_BASE_DOMAIN": "DichVuCong.Example.VN.",
            "MOTCUA_WEB_WORKERS": "4",
            "MOTCUA_PLUGINS": "civil_status, land",
        }
    )
    assert config.database_url == "postgresql+psycopg://app:pw@db.internal:5432/motcua"
    assert config.base_domain == "dichvucong.example.vn"
    assert config.web_workers == 4
    assert config.plugins == ("civil_status", "land")


def test_every_bad_value_is_reported_at_once_with_its_variable():
    with pytest.raises(ConfigError) as info:
        load_config(
            {
                "MOTCUA_DATABASE_URL": "mysql://root@localhost/x",
                "MOTCUA_BASE_DOMAIN": "https://motcua.vn:443",
                "MOTCUA_WEB_WORKERS": "zero",
                "MOTCUA_DB_POOL_SIZE": "0",
                "MOTCUA_SECRET_KEY": "short",
                "MOTCUA_LOG_LEVEL": "LOUD",
            }
        )
    problems = info.value.problems
    assert set(problems) == {
        "MOTCUA_DATABASE_URL",
        "MOTCUA_BASE_DOMAIN",
        "MOTCUA_WEB_WORKERS",
        "MOTCUA_DB_POOL_SIZE",
        "MOTCUA_SECRET_KEY",
        "MOTCUA_LOG_LEVEL",
    }
    assert "PostgreSQL" in problems["MOTCUA_DATABASE_URL"]
    assert "'zero' is not a whole number" in problems["MOTCUA_WEB_WORKERS"]
    assert "MOTCUA_SECRET_KEY" in str(info.value)


def test_database_url_must_name_a_database():
    with pytest.raises(ConfigError, match="must name a database"):
        load_config({"MOTCUA_DATABASE_URL": "postgresql://localhost"})


def test_every_setting_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(MOTCUA_[A-Z0-9_]+)`", text))
    missing = {s.env for s in SETTINGS} - documented
    assert not missing, f"undocumented settings in docs/configuration.md: {sorted(missing)}"


def test_storage_settings():
    assert load_config({}).storage == "local" and load_config({}).upload_max_bytes == 10 * 1024 * 1024
    config = load_config(
        {
            "MOTCUA_STORAGE": "S3",
            "MOTCUA_S3_BUCKET": "motcua-docs",
            "MOTCUA_S3_ENDPOINT_URL": "http://127.0.0.1:9000/",
            "MOTCUA_UPLOAD_MAX_BYTES": "5000000",
        }
    )
    assert (config.storage, config.s3_bucket, config.s3_endpoint_url) == ("s3", "motcua-docs", "http://127.0.0.1:9000")
    assert config.upload_max_bytes == 5_000_000
    with pytest.raises(ConfigError) as raised:
        load_config({"MOTCUA_STORAGE": "s3"})
    assert "MOTCUA_S3_BUCKET" in raised.value.problems
    with pytest.raises(ConfigError) as raised:
        load_config({"MOTCUA_STORAGE": "ftp", "MOTCUA_S3_BUCKET": "Bad_Bucket", "MOTCUA_UPLOAD_MAX_BYTES": "0"})
    assert set(raised.value.problems) == {"MOTCUA_STORAGE", "MOTCUA_S3_BUCKET", "MOTCUA_UPLOAD_MAX_BYTES"}


def test_database_servers_are_named_urls():
    config = load_config(
        {"MOTCUA_DATABASE_SERVERS": "db2=postgresql://motcua@db2:5432/motcua   db3=postgresql://motcua@db3/motcua"}
    )
    assert config.database_servers == (
        ("db2", "postgresql+psycopg://motcua@db2:5432/motcua"),
        ("db3", "postgresql+psycopg://motcua@db3/motcua"),
    )
    assert load_config({}).database_servers == ()


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("postgresql://motcua:s3cret@db2/motcua", "pair 1 is not name=postgresql"),
        ("main=postgresql://motcua@db2/motcua", "'main' is the server of MOTCUA_DATABASE_URL"),
        ("db1=postgresql://a@x/m Db2=postgresql://motcua:s3cret@db2/motcua", "pair 2: a server name is lower-case"),
        ("db2=postgresql://a@x/m db2=postgresql://a@y/m", "named twice"),
        ("db2=mysql://a@x/m", "server 'db2': must be a PostgreSQL URL"),
        ("db2=postgresql://a@x", "server 'db2': must name a database"),
    ],
)
def test_bad_database_servers_are_refused_with_the_reason(raw, says):
    with pytest.raises(ConfigError) as refused:
        load_config({"MOTCUA_DATABASE_SERVERS": raw})
    assert says in refused.value.problems["MOTCUA_DATABASE_SERVERS"]
    assert "s3cret" not in str(refused.value)  # a URL's password is never repeated


def test_a_password_with_a_comma_is_part_of_its_url():
    config = load_config({"MOTCUA_DATABASE_SERVERS": "db2=postgresql://u:pa,ss@h/motcua"})
    assert config.database_servers == (("db2", "postgresql+psycopg://u:pa%2Css@h/motcua"),)  # the same URL, escaped
