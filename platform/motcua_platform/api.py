"""API base: the smorest ``Api`` with the one error format, ``Blueprint`` with a realm, and the
request-scoped accessors views use (site, sessions, principal).

Realms: ``platform`` blueprints answer only on the vendor host, ``tenant`` blueprints only on a tenant
host, ``any`` on both. A route asked for on the wrong kind of host is a 404, exactly like an unknown path.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import flask_smorest
from flask import current_app, g, jsonify, request
from flask_smorest.pagination import PaginationMetadataSchema, PaginationParameters
from marshmallow import Schema as _Schema
from marshmallow import fields, validate
from sqlalchemy import ColumnElement, Select, Text, cast, func, inspect, literal, literal_column, select, tuple_
from sqlalchemy.orm import Session
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException

from motcua_platform import inputs
from motcua_platform.auth import services as auth_services
from motcua_platform.auth.services import Principal
from motcua_platform.auth.tokens import PLATFORM_SCOPE, is_citizen_secret, split_token
from motcua_platform.auth.units import unit_tree
from motcua_platform.cache import TTLCache
from motcua_platform.db.database import TenantSession
from motcua_platform.errors import Forbidden, InvalidInput, ServiceError, TooManyAttempts, Unauthorized
from motcua_platform.tenancy import PLATFORM, TenantInfo

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    417: "expectation_failed",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


# Every key and counter is a PostgreSQL BIGINT: a larger integer would be a database error, so a 500.
BIGINT = 2**63
BIGINT_RANGE = validate.Range(min=-BIGINT, max=BIGINT - 1)


class Schema(_Schema):
    """Project base schema: unknown fields are an error, so a typo never passes silently; and every
    Integer field (also inside lists and dicts) is bounded to BIGINT, in validation and in the OpenAPI
    document, unless it already declares tighter bounds."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        pending = [field_obj]
        while pending:
            field = pending.pop()
            # (fields are copied shallowly per schema instance: replace the list, never append to a shared one)
            if isinstance(field, fields.Integer) and BIGINT_RANGE not in field.validators:
                field.validators = [*field.validators, BIGINT_RANGE]
            elif isinstance(field, fields.List):
                pending.append(field.inner)
            elif isinstance(field, fields.Tuple):
                pending.extend(field.tuple_fields)
            elif isinstance(field, fields.Dict):
                pending.extend(f for f in (field.key_field, field.value_field) if f is not None)


class ArgumentsParser(FlaskParser):
    """smorest's parser (webargs' FlaskParser) with two changes:

    - each argument schema class is built once: webargs would build a new schema from the class on every
      request (field deep copies, hooks), and the argument schemas of our routes are fixed;
    - one more location, ``form_and_files``: a multipart body's fields and files read by one schema, so
      the OpenAPI document shows one request body with both.
    """

    __location_map__ = {**FlaskParser.__location_map__, "form_and_files": "load_form_and_files"}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._schemas: dict[type, _Schema] = {}

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, _Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        return inputs.load_json(req.get_data(cache=True))  # NUL, lone surrogates, depth: see inputs

    def load_form(self, req, schema):
        _check_form(req)
        return super().load_form(req, schema)

    def load_form_and_files(self, req, schema):
        _check_form(req)
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


def _check_form(req) -> None:
    """A form's fields are text like any other (checked here, after authentication, because reading a form
    reads the whole body). An uploaded file's name is not refused: the documents service sanitises it."""
    inputs.check_texts(req.form.items(multi=True), "form")


_PARSER = ArgumentsParser()


class PageMetadataSchema(PaginationMetadataSchema):
    """The X-Pagination header of every paginated list (flask-smorest's, plus a capped total and cursors)."""

    total = fields.Int(
        metadata={"description": "Matching items; with total_exact false, more than this many match (counting stops)."}
    )
    total_exact = fields.Bool(metadata={"description": "False when the list is longer than the counting cap."})
    next_cursor = fields.Str(
        metadata={"description": "Lists with cursors: send as ?cursor= for the items after this page (not on the last)"}
    )


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = _PARSER
    PAGINATION_ARGUMENTS_PARSER = _PARSER
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "form_and_files": "multipart/form-data",
    }

    def __init__(self, *args: Any, realm: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        assert realm in {"platform", "tenant", "any"}
        self.realm = realm

    def paginate(self, pager=None, *, page=None, page_size=None, max_page_size=None):
        """smorest's pagination with ``page`` bounded so that the OFFSET it makes, (page - 1) × page_size,
        fits PostgreSQL's BIGINT (in validation and in the document)."""
        decorator = super().paginate(pager, page=page, page_size=page_size, max_page_size=max_page_size)
        max_size = max_page_size or self.DEFAULT_PAGINATION_PARAMETERS["max_page_size"]

        def bounded(func):
            wrapper = decorator(func)
            # smorest builds a new parameters schema class per route; its instances copy these fields
            schema = wrapper._apidoc["pagination"]["parameters"]["schema"]
            page_field = schema._declared_fields["page"]
            page_field.validators.append(validate.Range(min=1, max=(BIGINT - 1) // max_size + 1))
            return wrapper

        return bounded

    def _set_pagination_metadata(self, page_params, result, headers):
        headers = {} if headers is None else headers
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(page_metadata(page_params))
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        # A header is text: the object is sent as a JSON string (contentSchema says what the JSON holds).
        if "PageMetadata" not in spec.components.schemas:
            spec.components.schema("PageMetadata", schema=PageMetadataSchema)
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "Pagination metadata: a PageMetadata object as JSON text.",
            "schema": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"$ref": "#/components/schemas/PageMetadata"},
            },
        }


def page_metadata(pagination: PaginationParameters) -> dict:
    """flask-smorest's metadata when the total is exact and pages are numbered; without page counts when
    the total is capped; without page numbers when the page was asked for by cursor."""
    exact = getattr(pagination, "total_exact", True)
    if getattr(pagination, "by_cursor", False):
        meta = {"total": pagination.item_count}
    elif exact:
        meta = _numbered_page_metadata(pagination.page, pagination.page_size, pagination.item_count)
    else:
        meta = {"total": pagination.item_count, "first_page": 1, "page": pagination.page}
        if pagination.page > 1:
            meta["previous_page"] = pagination.page - 1
        if pagination.has_next:
            meta["next_page"] = pagination.page + 1
    meta["total_exact"] = exact
    if getattr(pagination, "next_cursor", None):
        meta["next_cursor"] = pagination.next_cursor
    return meta


def _numbered_page_metadata(page: int, page_size: int, item_count: int) -> dict:
    """flask-smorest's X-Pagination fields for numbered pages, built as a plain dict (smorest would build a
    new schema on every request to dump these integers)."""
    metadata: dict[str, int] = {"total": item_count}
    if item_count == 0:
        metadata["total_pages"] = 0
    else:
        last_page = (item_count - 1) // page_size + 1
        metadata.update(total_pages=last_page, first_page=1, last_page=last_page)
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
    return metadata


def error_body(status: int, message: str, code: str | None = None, errors: Mapping | None = None) -> dict:
    return {
        "status": status,
        "code": code or STATUS_CODES.get(status, "error"),
        "message": message,
        "errors": dict(errors or {}),
    }


def _flatten_webargs(messages: Mapping) -> dict:
    """webargs nests errors by location ({"json": {"field": [...]}}); clients want {"field": [...]}."""
    flat: dict = {}
    for location, value in messages.items():
        if isinstance(value, Mapping):
            flat.update(value)
        else:
            flat[location if location not in ("json", "form", "form_and_files") else "_body"] = value
    return flat


def http_error_response(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = _flatten_webargs(data.get("messages", {})) if isinstance(data, Mapping) else {}
    message = data.get("message") if isinstance(data, Mapping) and data.get("message") else None
    code = None
    if status == 400 and errors.get("_body") and "Invalid JSON" in str(errors["_body"]):
        code, message = "malformed_json", "The request body is not valid JSON."
    if status == 422 and not message:
        message = "Some fields are missing or invalid."
    if status == 413:
        message = f"The request body is larger than {request.max_content_length} bytes."  # per route
    response = jsonify(error_body(status, message or exc.description or exc.name, code, errors))
    response.status_code = status
    for name, value in exc.get_headers() if hasattr(exc, "get_headers") else []:
        if name.lower() not in {"content-type", "content-length"}:
            response.headers[name] = value
    return response


def service_error_response(exc: ServiceError):
    response = jsonify(error_body(exc.status, exc.message, exc.code, exc.errors))
    response.status_code = exc.status
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="motcua"'
    return response


class ErrorSchema(Schema):
    """The one error body of every 4xx and 5xx."""

    status = fields.Integer(required=True, metadata={"example": 422})
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True, metadata={"example": "Some fields are missing or invalid."})
    errors = fields.Dict(
        required=True,
        metadata={
            "description": "Field name → list of messages (may nest).",
            "example": {"code": ["Code '000.00.51.H15' is already used."]},
        },
    )


DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def _decimal_strings(converter, field, ret, **kwargs) -> dict:
    """apispec calls every Decimal a number; one dumped ``as_string`` is sent as a string ("1000.000000")."""
    if not (isinstance(field, fields.Decimal) and field.as_string):
        return {}
    nullable = isinstance(ret.get("type"), list) and "null" in ret["type"]
    return {"type": ["string", "null"] if nullable else "string", "format": "decimal", "pattern": DECIMAL_PATTERN}


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, **kwargs):
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(_decimal_strings)

    def handle_http_exception(self, error: HTTPException):  # smorest routes its errors here
        return http_error_response(error)


# -- request-scoped accessors --------------------------------------------------------------------
def runtime():
    return current_app.extensions["motcua"]


def site() -> TenantInfo | str:
    return g.site


def current_tenant() -> TenantInfo:
    site_ = g.site
    assert isinstance(site_, TenantInfo), "tenant route reached on a non-tenant host"
    return site_


def control_session() -> Session:
    if "control_session" not in g:
        g.control_session = runtime().db.control_session()
    return g.control_session


def tenant_session() -> TenantSession:
    if "tenant_session" not in g:
        g.tenant_session = runtime().db.tenant_session(current_tenant().binding)
    return g.tenant_session


def site_session() -> Session:
    """The session for whatever the host is: the tenant's own, or the control plane's."""
    return control_session() if g.site == PLATFORM else tenant_session()


def site_scope() -> str:
    return PLATFORM_SCOPE if g.site == PLATFORM else current_tenant().slug


def site_names() -> tuple[str, ...]:
    """The names of the host's province (slug, name, display name), which a password set here must not be
    built from; none on the platform host."""
    if g.site == PLATFORM:
        return ()
    info = current_tenant()
    return (info.slug, info.name, info.display_name)


def close_sessions(_exc=None) -> None:
    for name in ("tenant_session", "control_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    parts = split_token(token.strip())
    if parts is None:
        raise Unauthorized("The access token is malformed.")
    scope, secret = parts
    if scope != site_scope():
        raise Forbidden("This access token belongs to another tenant or to the platform; it is not valid on this host.")
    return secret


def current_principal(*roles: str) -> Principal:
    """The authenticated staff member or operator; 401 without a valid token, 403 for a citizen's token
    or without one of ``roles`` (if given). Citizen routes use the citizens area's ``current_citizen``."""
    if "principal" not in g:
        secret = bearer_secret()
        if secret is None:
            raise Unauthorized("Log in first: send 'Authorization: Bearer <token>'.")
        if is_citizen_secret(secret):  # a citizen account never holds a staff or operator permission
            raise Forbidden("This action is for staff; a citizen account cannot use it.")
        principal = auth_services.authenticate(site_session(), scope=site_scope(), secret=secret)
        if principal is None:
            raise Unauthorized("The access token is unknown, expired or revoked.")
        g.principal = principal
    principal = g.principal
    if roles and not principal.has_role(*roles):
        raise Forbidden(f"This action needs one of the roles: {', '.join(roles)}.")
    return principal


# -- authentication, declared once per operation ---------------------------------------------------
# An operation's OpenAPI ``security`` is also what the server enforces, before smorest reads its arguments:
# an anonymous or unknown caller gets 401 (a token of the wrong kind 403) and never learns which fields or
# headers the operation wants. ``security=[]`` declares a public operation; one that declares nothing
# needs a staff or operator token (the document's default, STAFF_SECURITY). Roles are checked by the view.
STAFF_SCHEME, CITIZEN_SCHEME = "bearerAuth", "citizenAuth"
STAFF_SECURITY = [{STAFF_SCHEME: []}]
CITIZEN_SECURITY = [{CITIZEN_SCHEME: []}]
STAFF_OR_CITIZEN_SECURITY = [{STAFF_SCHEME: []}, {CITIZEN_SCHEME: []}]
SECURITY_SCHEMES = {
    STAFF_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff member's token (tenant host) or an operator's (platform host): "
        "POST /api/v1/auth/login.",
    },
    CITIZEN_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "A citizen account's token (tenant host): POST /api/v1/account/login.",
    },
}
_AUTHENTICATORS: dict[str, Callable[[], object]] = {}


def register_authenticator(scheme: str, authenticate: Callable[[], object]) -> None:
    """``authenticate()`` raises 401/403 unless the request carries a valid token of ``scheme``'s kind."""
    _AUTHENTICATORS[scheme] = authenticate


@functools.cache
def declared_schemes(view_func: Callable, method: str) -> tuple[str, ...]:
    """The security schemes one of which the operation (view function, HTTP method) requires; () if public."""
    view_class = getattr(view_func, "view_class", None)
    function = getattr(view_class, method.lower(), None) if view_class is not None else view_func
    declared = getattr(function, "_apidoc", {}).get("manual_doc", {}).get("security", STAFF_SECURITY)
    return tuple(name for requirement in declared for name in requirement)


def authenticate_as_declared() -> None:
    """Authenticate the caller as the matched operation declares (before_request, after the host checks)."""
    if request.method == "OPTIONS" or request.endpoint is None:
        return
    method = "GET" if request.method == "HEAD" else request.method
    schemes = declared_schemes(current_app.view_functions[request.endpoint], method)
    if not schemes:
        return
    secret = bearer_secret()
    kind = CITIZEN_SCHEME if secret is not None and is_citizen_secret(secret) else STAFF_SCHEME
    # a token of a kind the operation does not take is refused by the first scheme's authenticator (403)
    _AUTHENTICATORS[kind if kind in schemes else schemes[0]]()


def province_principal(*roles: str) -> Principal:
    """The caller, holding one of ``roles`` on the province's root unit: for province-wide duties (the
    procedure catalogue, the province's invoices). The same role on a department or commune is not enough."""
    principal = current_principal(*roles)
    if unit_tree().root_id(tenant_session()) not in principal.units_with(*roles):
        raise Forbidden(
            f"This action needs one of the roles {', '.join(roles)} on the province itself, not on one of its units."
        )
    return principal


def actor():
    return current_principal().actor(request.remote_addr)


register_authenticator(STAFF_SCHEME, current_principal)


def limit_per_client(bucket: str, per_minute: int) -> None:
    """Count this request against the client address's budget for ``bucket`` on this host (429 with
    Retry-After beyond ``per_minute``). Counted in PostgreSQL so every process shares it, and committed
    even when the request is refused, so a refused attempt still counts. The address is the client's
    behind the trusted proxies (``MOTCUA_TRUSTED_PROXY_HOPS``), never a forwarded header otherwise."""
    from motcua_platform.ratelimit.services import hit

    control = control_session()
    try:
        hit(control, f"{bucket}:{site_scope()}:{request.remote_addr}", limit=per_minute, window_seconds=60)
    finally:
        control.commit()


def count_account_attempt() -> None:
    """Every route that takes a password or a code (staff, operator and citizen logins, registration,
    password reset) shares one budget per client address and host: MOTCUA_ACCOUNT_ATTEMPTS_PER_MINUTE.
    Across accounts this bounds what one address can try; per account, ``auth.lockout`` does."""
    limit_per_client("account", runtime().config.account_attempts_per_minute)


# -- cached public reads --------------------------------------------------------------------------
def cached_public_get(cache: TTLCache, version: Callable[[TenantInfo], Hashable]):
    """Serve a public tenant GET from ``cache``, keyed by (tenant, ``version(tenant)``, path, query string).

    Put it above the smorest decorators: a hit then skips argument parsing, the database and
    serialisation, like an HTTP cache in front of the app would. Only 200 responses are stored, so a bad
    query is checked every time. The host checks (unknown or suspended tenant, a token for another host)
    still run before the view on every request. For public data only: the response must not depend on
    the caller. The version must change with every change to the data (motcua_platform.directory.content).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            info = current_tenant()
            key = (info.id, info.slug, version(info), request.path, request.query_string)
            stored = cache.get(key)
            if stored is not None:
                body, headers = stored
                return current_app.response_class(body, status=200, headers=headers)
            response = view(*args, **kwargs)
            if response.status_code == 200 and not response.is_streamed:
                cache.put(key, (response.get_data(), tuple(response.headers.items())))
            return response

        return wrapper

    return decorator


# -- pagination ----------------------------------------------------------------------------------
def paginate(
    session: Session,
    query: Select,
    pagination: PaginationParameters,
    *,
    rows: bool = False,
    count_cap: int | None = None,
    keyset: Sequence[ColumnElement] | None = None,
    cursor: str | None = None,
) -> list:
    """One page of ``query`` and, in the same round trip, the total. Returns ORM objects, or row mappings
    with ``rows=True`` (for queries selecting columns).

    ``count_cap``: count at most this many matching rows, so a page over a million rows does not visit
    them all; when more match, the total is the cap and ``total_exact`` is false ("more than …").
    ``keyset``: the expressions ``query`` is ordered by (ascending, never NULL, unique together). Each
    page then carries ``next_cursor`` while rows follow, and ``cursor`` (one of those) continues right
    after that row through the index, without OFFSET. A query marked ``execution_options(keys_first=True)``
    is cut to the page on its keys alone before its rows are read (``_keys_first``)."""
    size = pagination.page_size
    page_query = query
    if cursor is not None:
        if keyset is None:
            raise InvalidInput("This list has no cursor.", {"cursor": ["Use page instead."]})
        if pagination.page != 1:
            raise InvalidInput("Send either page or cursor, not both.", {"cursor": ["Cannot be used with page."]})
        values = _read_cursor(cursor, keyset)
        after = [cast(literal(value), column.type) for value, column in zip(values, keyset, strict=True)]
        page_query = query.where(tuple_(*keyset) > tuple_(*after))
    keys_first = keyset is not None and query.get_execution_options().get("keys_first")
    # exact over the window the page is cut from; or over the whole list, not only what follows the cursor
    # (nor only the page, which is all a keys-first statement's outer query sees)
    exact_window = count_cap is None and cursor is None and not keys_first
    total = func.count().over() if exact_window else _count(query, count_cap).scalar_subquery()
    page_query = page_query.limit(size + 1).offset(0 if cursor is not None else (pagination.page - 1) * size)
    # (one more row than the page tells whether a next page exists without trusting a capped total)
    if keys_first:
        page_query, keyset = _keys_first(page_query, keyset)
    keys = [cast(column, Text).label(f"_key{i}") for i, column in enumerate(keyset or ())]
    fetched = session.execute(page_query.add_columns(total.label("_total"), *keys)).all()
    page = fetched[:size]
    count = fetched[0]._total if fetched else session.scalar(_count(query, count_cap))
    pagination.item_count = min(count, count_cap) if count_cap is not None else count
    pagination.total_exact = count_cap is None or count <= count_cap
    pagination.has_next = len(fetched) > size
    pagination.by_cursor = cursor is not None
    pagination.next_cursor = (
        _write_cursor([page[-1]._mapping[k.name] for k in keys]) if keys and len(fetched) > size else None
    )
    if rows:
        return [row._mapping for row in page]
    return [row[0] for row in page]


def _keys_first(page_query: Select, keyset: Sequence[ColumnElement]) -> tuple[Select, list[ColumnElement]]:
    """``page_query`` (one entity, cut to the page) as its page's keys first, then only those rows: the
    sort that picks the page then reads nothing but ``keyset``, which an index-only scan can serve, and
    the table is read for the page's rows alone. The last key must be the entity's primary key.
    Returns the statement and the keyset to read the page's keys from."""
    labels = [column.label(f"_page{i}") for i, column in enumerate(keyset)]
    page = page_query.with_only_columns(*labels, maintain_column_froms=True).subquery("page")
    entity = page_query.column_descriptions[0]["entity"]
    primary_key = inspect(entity).primary_key[0]
    keys = [page.c[label.name] for label in labels]
    return select(entity).join(page, primary_key == keys[-1]).order_by(*keys), keys


def _count(query: Select, cap: int | None) -> Select:
    """How many rows ``query`` matches (at most ``cap`` + 1), selecting no columns so that an index-only
    scan can serve it. A query marked ``execution_options(count_in_order=True)`` (an index gives its rows
    in its order) keeps its ORDER BY, which steers PostgreSQL to read the first ``cap`` + 1 entries of that
    index rather than a sequential scan it wrongly expects to stop early."""
    counted = query.with_only_columns(literal_column("1"), maintain_column_froms=True)
    if not query.get_execution_options().get("count_in_order"):
        counted = counted.order_by(None)
    return select(func.count()).select_from((counted.limit(cap + 1) if cap is not None else counted).subquery())


def _write_cursor(values: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _read_cursor(cursor: str, keyset: Sequence[ColumnElement]) -> list[str]:
    """The key values in ``cursor``, each checked against its column's type (a forged cursor is a 422,
    never a database error)."""
    invalid = InvalidInput("The cursor is invalid.", {"cursor": ["Use next_cursor from the previous X-Pagination."]})
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:  # bad base64, bad UTF-8 and bad JSON alike
        raise invalid from None
    if not isinstance(values, list) or len(values) != len(keyset) or not all(isinstance(v, str) for v in values):
        raise invalid
    normalised = [_normalised(value, column.type.python_type) for value, column in zip(values, keyset, strict=True)]
    if any(value is None for value in normalised):
        raise invalid
    return normalised


def _normalised(value: str, python_type: type) -> str | None:
    """``value`` re-written in the one form PostgreSQL reads for the column's type, or None when it is not
    a value of that type (so a forged cursor never reaches the database as something it rejects)."""
    if python_type is int:
        if not (value.isascii() and value.removeprefix("-").isdecimal()):
            return None
        number = int(value)
        return str(number) if -BIGINT <= number < BIGINT else None
    if python_type is dt.datetime:
        if value in ("infinity", "-infinity"):
            return value
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment.isoformat() if moment.tzinfo is not None and 1 <= moment.year <= 9999 else None
    return value if python_type is str else None
