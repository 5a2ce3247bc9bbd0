"""Public tenant reads served from a per-process cache, keyed by the tenant's content version."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable

from flask import current_app, request

from motcua_platform.cache import TTLCache
from motcua_platform.tenancy import TenantInfo
from motcua_platform.web.context import current_tenant


def cached_public_get(
    cache: TTLCache, version: Callable[[TenantInfo], Hashable], *, only_if: Callable[[], bool] | None = None
):
    """Serve a public tenant GET from ``cache``, keyed by (tenant, ``version(tenant)``, path, query string).
    With ``only_if``, only requests for which it is true are served from or kept in the cache.

    Put it above the smorest decorators: a hit then skips argument parsing, the database and
    serialisation, like an HTTP cache in front of the app would. Only 200 responses are stored, so a bad
    query is checked every time. The host checks (unknown or suspended tenant, a token for another host)
    still run before the view on every request. For public data only: the response must not depend on
    the caller. The version must change with every change to the data (motcua_platform.directory.content).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if only_if is not None and not only_if():
                return view(*args, **kwargs)
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
