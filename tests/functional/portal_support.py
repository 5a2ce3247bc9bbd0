"""Driving the portal's HTML forms through the test client, as a browser would: GET the page, take its
CSRF token, POST the form (the session cookie rides along)."""

from __future__ import annotations

import html
import itertools
import re

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def submit(client, page: str, data: dict | None = None, *, action: str | None = None, **kwargs):
    """GET ``page``, then POST ``data`` with its CSRF token to ``action`` (default: the page itself)."""
    shown = client.get(page)
    assert shown.status_code == 200, shown.status_code
    body = {**(data or {}), "csrf_token": csrf_token(shown.get_data(as_text=True))}
    return client.post(action or page, data=body, **kwargs)


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
    return Browser(host_client(host, language="vi"))  # a browser in Vietnam


def fresh_address() -> str:
    """A client address of its own (logins and registrations are counted per address and minute)."""
    n = next(_addresses)
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


def log_in(client, login: str, password: str, *, next_path: str | None = None):
    """Log the browser ``client`` (a HostClient without a token) into the portal, from an address of its
    own; then to ``next_path`` if given."""
    data = {"login": login, "password": password}
    if next_path:
        data["next"] = next_path
    response = submit(client, "/login", data, environ_base={"REMOTE_ADDR": fresh_address()})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def text(response) -> str:
    """The page's HTML with entities decoded (Jinja escapes quotes and ampersands)."""
    return html.unescape(response.get_data(as_text=True))


def input_value(page: str, name: str) -> str | None:
    """The value of the input named ``name`` on ``page``, or None when there is none."""
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if not match:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def words(response) -> str:
    """A page's words as a reader sees them: tags and SVG pictures gone, entities decoded, spaces folded."""
    body = re.sub(r"<svg.*?</svg>", "", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def console_client(host_client, host: str, email: str):
    """A browser logged in to the console of ``host`` as the seeded staff member ``email`` (a cookie)."""
    from motcua_app.testing.pytest_plugin import TEST_PASSWORD

    client = host_client(host)
    response = submit(client, "/console/login", {"email": email, "password": TEST_PASSWORD},
                      environ_base={"REMOTE_ADDR": fresh_address()})  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    return client
