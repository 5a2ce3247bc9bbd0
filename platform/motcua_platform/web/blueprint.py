"""The smorest ``Api`` (the one error format, decimals documented as strings) and ``Blueprint`` (a realm,
bounded pages, the argument parser that builds each schema once, unknown query parameters refused)."""

from __future__ import annotations

import functools
import json
from typing import Any

import flask_smorest
from flask import current_app, request
from marshmallow import Schema as _Schema
from marshmallow import fields, validate
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException

from motcua_platform import inputs
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.web.context import flush_request
from motcua_platform.web.errors import ErrorSchema, http_error_response
from motcua_platform.web.pagination import PageMetadataSchema, page_metadata
from motcua_platform.web.schema import BIGINT


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
        self.before_request(_refuse_unknown_query)

    def response(self, status_code, schema=None, **kwargs):
        """smorest's, with the request's changes flushed before the result is dumped: the answer carries
        the ids and defaults the database gives, though the commit comes only after the view
        (``web.context.commit_request``)."""
        decorator = super().response(status_code, schema, **kwargs)

        def flushed_first(func):
            @functools.wraps(func)
            def view(*args, **kw):
                result = func(*args, **kw)
                flush_request()
                return result

            return decorator(view)

        return flushed_first

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


# Accepted by every route: the language of the answer (web.locale).
EVERYWHERE_QUERY = frozenset({"lang"})
# A view with this attribute set takes query parameters it does not declare: another system's call whose
# fields grow without notice (a payment gateway's signed notification), never a person's.
ACCEPTS_ANY_QUERY = "accepts_any_query"


def _refuse_unknown_query() -> None:
    """A query parameter the route does not declare is a 422, as an unknown field of a body is: a typo
    (``?pagesize=50``, ``?stauts=4``) must not silently give another list than the one asked for."""
    if not request.args or getattr(current_app.view_functions.get(request.endpoint), ACCEPTS_ANY_QUERY, False):
        return
    unknown = sorted(set(request.args) - _declared_query(request.endpoint, request.method) - EVERYWHERE_QUERY)
    if unknown:
        raise InvalidInput(
            _("Unknown query parameters: %(names)s.", names=", ".join(unknown)),
            {name: [_("Unknown parameter.")] for name in unknown},
        )


@functools.lru_cache(maxsize=1024)
def _declared_query_of(view, method: str) -> frozenset[str]:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the method's own function carries the documentation
        view = getattr(view_class, method.lower(), None) or getattr(view_class, "get", None)
    apidoc = getattr(view, "_apidoc", {})
    arguments = apidoc.get("arguments", {}).get("parameters", [])
    schemas = [a["schema"] for a in arguments if isinstance(a, dict) and a.get("in") == "query"]
    if "pagination" in apidoc:
        schemas.append(apidoc["pagination"]["parameters"]["schema"])
    return frozenset(field.data_key or name for schema in schemas for name, field in schema._declared_fields.items())


def _declared_query(endpoint: str | None, method: str) -> frozenset[str]:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return _declared_query_of(view, method) if view is not None else frozenset()


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
