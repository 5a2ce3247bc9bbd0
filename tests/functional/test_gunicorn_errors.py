"""Gunicorn's own answers (a request it cannot parse, a request line or header past its limits) come from a
real gunicorn started with motcua_platform.gunicorn_settings, and have the one JSON error format, not HTML."""

import json
import socket

import pytest
from motcua_app.testing.gunicorn import gunicorn_server


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    with gunicorn_server(database_url, tmp_path_factory.mktemp("gunicorn-instance")) as port:
        yield port


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"NOT A REQUEST LINE\r\n\r\n", 400, "bad_request"),
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "headers_too_large"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n", 400, "bad_request"),
    ],
    ids=["bad-request-line", "long-request-line", "long-header", "bad-header-name"],
)
def test_gunicorn_errors_use_the_one_error_format(server, raw, status, code):
    answer, headers, body = _exchange(server, raw)
    assert answer == status
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert set(error) == {"status", "code", "message", "errors"}
    assert (error["status"], error["code"], error["errors"]) == (status, code, {})
    assert error["message"]
