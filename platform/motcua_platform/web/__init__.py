"""The web base every area's HTTP API is built on: the smorest ``Api`` and ``Blueprint`` (``blueprint``), the
project ``Schema`` (``schema``), the one error format (``errors``), the request's context and unit of work
(``context``), who is calling (``principals``), per-client rate limits (``ratelimit``), cached public reads
(``caching``) and paginated lists (``pagination``).

Realms: ``platform`` blueprints answer only on the vendor host, ``tenant`` blueprints only on a tenant
host, ``any`` on both. A route asked for on the wrong kind of host is a 404, exactly like an unknown path.
"""
