"""Settings read from environment variables, validated once at start.

Every setting is listed in ``SETTINGS``; ``docs/configuration.md`` documents the same table and a test
keeps the two in step. A bad value never starts a half-configured platform: all problems are collected
and raised together in one ``ConfigError``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class ConfigError(Exception):
    """One or more settings are invalid; ``problems`` maps variable name to message."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        lines = [f"  {name}: {message}" for name, message in sorted(self.problems.items())]
        super().__init__("Invalid configuration:\n" + "\n".join(lines))


def _database_url(raw: str) -> str:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL ({exc})") from None
    if url.get_backend_name() != "postgresql":
        raise ValueError("must be a PostgreSQL URL (postgresql://user@host:port/dbname)")
    if not url.database:
        raise ValueError("must name a database")
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


SERVER_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def _database_servers(raw: str) -> tuple[tuple[str, str], ...]:
    """``name=url`` pairs separated by white space: the servers that hold tenants besides the main one. A URL
    may hold a password, so no message repeats one (the pairs are named by position)."""
    servers: dict[str, str] = {}
    for position, item in enumerate(raw.split(), start=1):
        name, sep, url = item.partition("=")
        if not sep or "://" in name:
            raise ValueError(f"pair {position} is not name=postgresql://…")
        if not SERVER_NAME_RE.match(name):
            raise ValueError(f"pair {position}: a server name is lower-case letters, digits and _ (at most 30)")
        if name == "main":
            raise ValueError("'main' is the server of MOTCUA_DATABASE_URL; name the others differently")
        if name in servers:
            raise ValueError(f"server {name!r} is named twice")
        try:
            servers[name] = _database_url(url)
        except ValueError as exc:
            problem = str(exc) if str(exc).startswith("must") else "not a database URL"
            raise ValueError(f"server {name!r}: {problem}") from None
    return tuple(servers.items())


def _hostname(raw: str) -> str:
    value = raw.strip().lower().rstrip(".")
    if ":" in value:
        raise ValueError("must be a host name without a port or scheme, e.g. motcua.vn")
    if not HOSTNAME_RE.match(value):
        raise ValueError(f"{raw!r} is not a valid host name")
    return value


def _non_negative_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None
    if value < 0:
        raise ValueError("must be at least 0")
    return value


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _proxy_hops(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None
    if not 0 <= value <= 5:
        raise ValueError("must be between 0 (no proxy: X-Forwarded-For is ignored) and 5")
    return value


def _secret_key(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError(
            "must be at least 32 characters; generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return raw


def _path(raw: str) -> Path:
    return Path(raw).expanduser().resolve()


# A plugin's name: its entry point, its allow-list entry, its Alembic branch and its tables' prefix.
PLUGIN_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _name_list(raw: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in raw.split(",") if part.strip())
    for name in names:
        if not PLUGIN_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a valid plugin name")
    return names


def _log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
    return value


def _log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"json", "console"}:
        raise ValueError("must be json or console")
    return value


def _vat_rate(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip().rstrip("%"))
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a percentage, e.g. 10 or 8") from None
    if not value.is_finite() or not (0 <= value <= 100):
        raise ValueError("must be a percentage between 0 and 100")
    return value


def _port(raw: str) -> int:
    value = _positive_int(raw)
    if value > 65535:
        raise ValueError("must be a TCP port, 1–65535")
    return value


def _listen_address(raw: str) -> str:
    """``host:port`` (``[::]:9100`` for IPv6) a server listens on."""
    value = raw.strip()
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        raise ValueError("must be host:port, e.g. 0.0.0.0:9100")
    _port(port)
    return value


def _switch(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in {"1", "0", "true", "false", "on", "off"}:
        raise ValueError("must be 1 or 0 (true/false, on/off)")
    return value in {"1", "true", "on"}


def _email_list(raw: str) -> tuple[str, ...]:
    emails = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    for email in emails:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
            raise ValueError(f"{email!r} is not an e-mail address")
    return emails


def _email(raw: str) -> str:
    return _email_list(raw)[0] if _email_list(raw) else raw


def _http_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError("must be an http(s) URL, e.g. https://api.stripe.com")
    return value


def _public_scheme(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"https", "http"}:
        raise ValueError("must be https or http (unset: development links, http on MOTCUA_BIND's port)")
    return value


def _storage(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"local", "s3"}:
        raise ValueError("must be local or s3")
    return value


def _bucket(raw: str) -> str:
    value = raw.strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", value):
        raise ValueError(f"{raw!r} is not an S3 bucket name (3–63 lower-case letters, digits, '.' or '-')")
    return value


def _sms_provider(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"log", "http"}:
        raise ValueError("must be log or http")
    return value


@dataclass(frozen=True)
class Setting:
    env: str
    attr: str
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "MOTCUA_DATABASE_URL",
        "database_url",
        _database_url,
        "PostgreSQL URL. Unset: an embedded PostgreSQL is started under the instance folder.",
    ),
    Setting(
        "MOTCUA_DATABASE_SERVERS",
        "database_servers",
        _database_servers,
        "Further PostgreSQL servers that hold tenants, as name=URL pairs separated by spaces (the main "
        "server, MOTCUA_DATABASE_URL, is named main and holds the control plane). Unset: every tenant on main.",
    ),
    Setting(
        "MOTCUA_BASE_DOMAIN",
        "base_domain",
        _hostname,
        "Vendor platform host; tenants are served on <slug>.<base domain> or their custom domains.",
    ),
    Setting(
        "MOTCUA_SECRET_KEY",
        "secret_key",
        _secret_key,
        "Secret for signing; at least 32 characters. Unset in development: one is generated and kept in "
        "the instance folder.",
    ),
    Setting(
        "MOTCUA_INSTANCE_PATH",
        "instance_path",
        _path,
        "Folder for the embedded database, archives and generated secrets.",
    ),
    Setting(
        "MOTCUA_PUBLIC_SCHEME",
        "public_scheme",
        _public_scheme,
        "Scheme of every link the platform sends or prints (e-mail, SMS, QR codes): https or http. Unset "
        "(development): http on the port of MOTCUA_BIND.",
    ),
    Setting("MOTCUA_WEB_WORKERS", "web_workers", _positive_int, "gunicorn worker processes."),
    Setting("MOTCUA_BIND", "bind", str, "Address gunicorn listens on, host:port."),
    Setting(
        "MOTCUA_TRUSTED_PROXY_HOPS",
        "trusted_proxy_hops",
        _proxy_hops,
        "Proxies in front of the app (the load balancer: 1) whose X-Forwarded-For and X-Forwarded-Proto are "
        "believed; 0 believes none. The client address found is what rate limits, lockouts and audit use.",
    ),
    Setting("MOTCUA_DB_POOL_SIZE", "db_pool_size", _positive_int, "Connections per process in the SQLAlchemy pool."),
    Setting(
        "MOTCUA_MIGRATION_WORKERS",
        "migration_workers",
        _positive_int,
        "Processes that migrate tenant schemas in parallel during `motcua db upgrade`.",
    ),
    Setting(
        "MOTCUA_MAX_BODY_BYTES", "max_body_bytes", _positive_int, "Largest accepted request body; larger gets 413."
    ),
    Setting(
        "MOTCUA_LOGIN_MAX_FAILURES",
        "login_max_failures",
        _positive_int,
        "Failed logins in a row before an account is locked.",
    ),
    Setting(
        "MOTCUA_LOGIN_LOCK_SECONDS", "login_lock_seconds", _positive_int, "How long a locked account stays locked."
    ),
    Setting("MOTCUA_TOKEN_TTL_HOURS", "token_ttl_hours", _positive_int, "Lifetime of a login token."),
    Setting(
        "MOTCUA_TOKEN_CACHE_SECONDS",
        "token_cache_seconds",
        _non_negative_int,
        "How long a process may reuse a checked staff or operator token (0: check every request). Revocations, "
        "deactivations and role changes empty every process's cache at commit (LISTEN/NOTIFY, ADR 0031).",
    ),
    Setting(
        "MOTCUA_TENANT_CACHE_SECONDS",
        "tenant_cache_seconds",
        _positive_int,
        "How long a process caches host → tenant lookups (status changes reach other processes within this time).",
    ),
    Setting("MOTCUA_PLUGINS", "plugins", _name_list, "Comma-separated allow-list of procedure-group plugins to load."),
    Setting(
        "MOTCUA_TRACKING_PER_MINUTE",
        "tracking_per_minute",
        _positive_int,
        "Public dossier-tracking requests allowed per client address and minute (429 beyond).",
    ),
    Setting(
        "MOTCUA_ACCOUNT_ATTEMPTS_PER_MINUTE",
        "account_attempts_per_minute",
        _positive_int,
        "Citizen logins and registrations allowed per client address and minute on a tenant host (429 beyond).",
    ),
    Setting(
        "MOTCUA_METRICS_TOKEN",
        "metrics_token",
        _secret_key,
        "The bearer token Prometheus presents at GET /metrics; unset, /metrics answers only callers whose address "
        "is not on the public internet.",
    ),
    Setting(
        "MOTCUA_WORKER_METRICS_BIND",
        "worker_metrics_bind",
        _listen_address,
        "host:port where `motcua worker` answers Prometheus at /metrics (guarded as the web's /metrics is); unset: "
        "not served. `motcua run`'s own worker counts into the web's /metrics instead.",
    ),
    Setting(
        "MOTCUA_SENTRY_DSN",
        "sentry_dsn",
        _http_url,
        "Sentry DSN errors are reported to (needs the `sentry` extra); unset: nothing is reported.",
    ),
    Setting(
        "MOTCUA_SENTRY_ENVIRONMENT",
        "sentry_environment",
        str,
        "The environment name on reported errors (production, staging…); unset: Sentry's default.",
    ),
    Setting(
        "MOTCUA_OTEL",
        "otel",
        _switch,
        "1: trace requests and SQL with OpenTelemetry, exported over OTLP (needs the `otel` extra; OTEL_* variables).",
    ),
    Setting(
        "MOTCUA_OIDC_CLOCK_SKEW_SECONDS",
        "oidc_clock_skew_seconds",
        _non_negative_int,
        "How far the identity provider's clock may be from ours when an ID token's times are checked "
        "(sign-in with national identity).",
    ),
    Setting(
        "MOTCUA_ONLINE_SUBMISSIONS_PER_HOUR",
        "online_submissions_per_hour",
        _positive_int,
        "Online dossiers one citizen or business account may submit in an hour (429 beyond).",
    ),
    Setting(
        "MOTCUA_LIST_COUNT_CAP",
        "list_count_cap",
        _positive_int,
        "Large lists (the dossier inbox) count matching rows exactly up to this many; beyond: 'more than'.",
    ),
    Setting("MOTCUA_LOG_LEVEL", "log_level", _log_level, "Logging level."),
    Setting(
        "MOTCUA_LOG_FORMAT",
        "log_format",
        _log_format,
        "json (one object a line, for production) or console (readable, for development). Unset: console "
        "when standard error is a terminal, else json.",
    ),
    Setting("MOTCUA_VAT_RATE", "vat_rate", _vat_rate, "VAT rate in percent applied to new invoices (e.g. 10)."),
    Setting(
        "MOTCUA_SMTP_HOST", "smtp_host", str, "SMTP server for billing alerts and applicant e-mail; unset: not mailed."
    ),
    Setting("MOTCUA_SMTP_PORT", "smtp_port", _port, "SMTP port."),
    Setting("MOTCUA_SMTP_SENDER", "smtp_sender", _email, "From address of billing e-mails."),
    Setting(
        "MOTCUA_BILLING_VENDOR_EMAILS",
        "billing_vendor_emails",
        _email_list,
        "Comma-separated vendor finance addresses that receive every billing alert.",
    ),
    Setting("MOTCUA_BILLING_SELLER_NAME", "billing_seller_name", str, "Seller's legal name printed on invoices."),
    Setting("MOTCUA_BILLING_SELLER_TAX_CODE", "billing_seller_tax_code", str, "Seller's tax code on invoices."),
    Setting("MOTCUA_BILLING_BANK_ACCOUNT", "billing_bank_account", str, "Bank account printed for transfers."),
    Setting("MOTCUA_PDF_FONT", "pdf_font", str, "TrueType font with Vietnamese glyphs for PDF invoices."),
    Setting("MOTCUA_STRIPE_API_KEY", "stripe_api_key", str, "Stripe secret key; unset: Stripe is not used."),
    Setting(
        "MOTCUA_STRIPE_WEBHOOK_SECRET", "stripe_webhook_secret", str, "Signing secret of the Stripe webhook endpoint."
    ),
    Setting("MOTCUA_STRIPE_API_BASE", "stripe_api_base", _http_url, "Stripe API base URL (tests: a local server)."),
    Setting("MOTCUA_NOTIFY_SENDER", "notify_sender", _email, "From address of e-mails to applicants."),
    Setting("MOTCUA_SMS_PROVIDER", "sms_provider", _sms_provider, "SMS to applicants: log (default) or http."),
    Setting("MOTCUA_SMS_HTTP_URL", "sms_http_url", _http_url, "Gateway URL the http SMS provider POSTs JSON to."),
    Setting("MOTCUA_STORAGE", "storage", _storage, "Where uploaded documents are kept: local (instance folder) or s3."),
    Setting("MOTCUA_S3_ENDPOINT_URL", "s3_endpoint_url", _http_url, "S3-compatible endpoint; unset: AWS S3."),
    Setting("MOTCUA_S3_BUCKET", "s3_bucket", _bucket, "Bucket for documents; required with MOTCUA_STORAGE=s3."),
    Setting("MOTCUA_S3_REGION", "s3_region", str, "Region name passed to the S3 client."),
    Setting(
        "MOTCUA_BACKUP_DIR",
        "backup_dir",
        _path,
        "Folder the daily backup job writes every active tenant's backup into (<dir>/<slug>/); unset: no "
        "scheduled backups.",
    ),
    Setting(
        "MOTCUA_BACKUP_KEEP", "backup_keep", _positive_int, "Scheduled backups kept per tenant; older ones are deleted."
    ),
    Setting(
        "MOTCUA_UPLOAD_MAX_BYTES", "upload_max_bytes", _positive_int, "Largest accepted uploaded document (413 beyond)."
    ),
    Setting(
        "MOTCUA_SIGNING_KEYS_DIR",
        "signing_keys_dir",
        _path,
        "Folder with a sub-folder per province (its slug) holding signing.toml: the key behind the province's "
        "seal (PKCS#12 or PKCS#11) and its timestamp authority. Unset: no province signs (docs/signatures.md).",
    ),
    Setting(
        "MOTCUA_SIGNING_TRUST_LIST",
        "signing_trust_list",
        _path,
        "PEM file of the root (and intermediate) certificates signatures are verified up to. Unset: no signer "
        "is trusted; every signature is reported untrusted.",
    ),
    Setting(
        "MOTCUA_SIGNING_TSA_URL",
        "signing_tsa_url",
        _http_url,
        "RFC 3161 timestamp authority every signature is timestamped by (PAdES B-T), unless a province names its "
        "own; unset: signatures carry the signer's clock only (B-B).",
    ),
    Setting(
        "MOTCUA_SIGNING_FETCH_REVOCATION",
        "signing_fetch_revocation",
        _switch,
        "1: verification fetches CRLs and OCSP answers from the certification authorities' servers; 0: only what "
        "a document embeds is used (an offline installation).",
    ),
)


@dataclass(frozen=True)
class Config:
    database_url: str | None = None
    database_servers: tuple[tuple[str, str], ...] = ()
    base_domain: str = "motcua.localhost"
    public_scheme: str | None = None
    secret_key: str | None = None
    instance_path: Path = field(default_factory=lambda: Path.cwd() / "instance")
    web_workers: int = 2
    bind: str = "127.0.0.1:8000"
    trusted_proxy_hops: int = 0
    db_pool_size: int = 10
    migration_workers: int = 2
    max_body_bytes: int = 2 * 1024 * 1024
    login_max_failures: int = 5
    login_lock_seconds: int = 900
    token_ttl_hours: int = 12
    token_cache_seconds: int = 10
    tenant_cache_seconds: int = 10
    plugins: tuple[str, ...] = ()
    tracking_per_minute: int = 30
    account_attempts_per_minute: int = 20
    oidc_clock_skew_seconds: int = 60
    metrics_token: str | None = None
    worker_metrics_bind: str | None = None
    sentry_dsn: str | None = None
    sentry_environment: str | None = None
    otel: bool = False
    online_submissions_per_hour: int = 60
    list_count_cap: int = 10_000
    log_level: str = "INFO"
    log_format: str | None = None  # None: chosen by log_setup from whether stderr is a terminal
    vat_rate: Decimal = Decimal(10)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "billing@motcua.localhost"
    billing_vendor_emails: tuple[str, ...] = ()
    billing_seller_name: str = "Motcua Cloud"
    billing_seller_tax_code: str | None = None
    billing_bank_account: str | None = None
    pdf_font: str | None = None
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str = "https://api.stripe.com"
    notify_sender: str = "no-reply@motcua.localhost"
    sms_provider: str = "log"
    sms_http_url: str | None = None
    storage: str = "local"
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str | None = None
    upload_max_bytes: int = 10 * 1024 * 1024
    backup_dir: Path | None = None
    backup_keep: int = 7
    signing_keys_dir: Path | None = None
    signing_trust_list: Path | None = None
    signing_tsa_url: str | None = None
    signing_fetch_revocation: bool = True
    testing: bool = False

    def with_overrides(self, **overrides: Any) -> Config:
        return replace(self, **overrides)

    def public_url(self, host: str) -> str:
        """The URL under which people reach ``host``: ``<MOTCUA_PUBLIC_SCHEME>://<host>`` in production
        (behind the load balancer, on the scheme's own port). Unset, for development: ``http://<host>`` on
        the port gunicorn listens on (``bind``), so that printed and sent links open on this machine."""
        if self.public_scheme is not None:
            return f"{self.public_scheme}://{host}"
        port = self.bind.rsplit(":", 1)[-1] if ":" in self.bind else "8000"
        return f"http://{host}" + ("" if port == "80" else f":{port}")


def load_config(environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """Build the configuration from ``environ`` (default ``os.environ``); raise ConfigError listing every bad value."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            continue
        try:
            values[setting.attr] = setting.parse(raw)
        except ValueError as exc:
            problems[setting.env] = str(exc)
    if values.get("storage") == "s3" and not values.get("s3_bucket") and "MOTCUA_S3_BUCKET" not in problems:
        problems["MOTCUA_S3_BUCKET"] = "is required with MOTCUA_STORAGE=s3"
    if problems:
        raise ConfigError(problems)
    known = {f.name for f in fields(Config)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown config overrides: {sorted(unknown)}")
    values.update(overrides)
    return Config(**values)


def ensure_secret_key(config: Config) -> Config:
    """Development convenience: keep a generated secret in the instance folder so that whatever is signed
    with it (Flask sessions, signed links) stays valid across restarts."""
    if config.secret_key:
        return config
    path = config.instance_path / "secret_key"
    if path.exists():
        return config.with_overrides(secret_key=path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return config.with_overrides(secret_key=key)
