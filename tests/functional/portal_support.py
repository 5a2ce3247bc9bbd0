"""Helpers for page tests: forms are posted as a browser would, with the CSRF token the page gave."""

from __future__ import annotations

import itertools
import re

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_addresses = itertools.count(1)


class Browser:
    """A browser on one host: its cookies (the session) are kept for that host, as a real browser does
    (the test client files cookies under the URL's host, so the URL must name the tenant's host)."""

    def __init__(self, client):
        self.client = client

    def open(self, method: str, path: str, **kwargs):
        kwargs.setdefault("base_url", f"http://{self.client.host}")
        return self.client.open(method, path, **kwargs)

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)


def browser(host_client, host: str) -> Browser:
    return Browser(host_client(host))


def csrf_token(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def fresh_address() -> str:
    """A client address of its own (logins and registrations are counted per address and minute)."""
    n = next(_addresses)
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


def submit(client, page: str, data: dict | None = None, *, action: str | None = None, **kwargs):
    """GET ``page``, then POST ``data`` with its CSRF token to ``action`` (the page itself by default)."""
    html = client.get(page).get_data(as_text=True)
    return client.post(action or page, data={**(data or {}), "csrf_token": csrf_token(html)}, **kwargs)


def log_in(client, login: str, password: str, *, next_path: str | None = None):
    """Log in through the login page; the response (a 303 on success)."""
    data = {"login": login, "password": password}
    if next_path:
        data["next"] = next_path
    return submit(client, "/login", data, environ_base={"REMOTE_ADDR": fresh_address()})
