"""Driving the portal's HTML forms through the test client, as a browser would: GET the page, take its
CSRF token, POST the form (the session cookie rides along)."""

from __future__ import annotations

import html
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


def log_in(client, login: str, password: str):
    """Log the browser ``client`` (a HostClient without a token) into the portal."""
    response = submit(client, "/login", {"login": login, "password": password})
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
