"""The application of this checkout with the catalogue search's per-process caches off: every search request
parses its arguments, binds, searches, commits and dumps. Only ``benchmarks/search_throughput.py`` serves it
(gunicorn ``_search_uncached_wsgi:app`` with this folder on PYTHONPATH), to measure the database path that
the peer comparison's repeated query strings mostly skip."""

from motcua_app.wsgi import app
from motcua_onestop.catalogue import api, search

search.SEARCH_CACHE.max_entries = 0  # an entry put is evicted at once
api.ANSWER_CACHE.max_entries = 0

__all__ = ["app"]
