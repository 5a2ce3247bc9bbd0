"""A real OpenID Connect provider for the tests of sign-in with national identity: the npm package
oidc-provider (tests/oidc/provider.mjs, installed by infra/bin/test into tests/oidc/node_modules), started
on 127.0.0.1 as a child process, and a person signing in at it over real HTTP through its own login and
consent pages (any login and password; the login names the account, whose claims the test gives)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).parent / "oidc"
CLIENT_ID = "motcua-province"
CLIENT_SECRET = "province-client-secret-for-tests"
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def _post(self, path: str, body: str = "") -> None:
        requests.post(self.issuer + path, data=body, timeout=10).raise_for_status()

    def publish_other_keys(self) -> None:
        """From now on the provider's JWKS lists a key (of the same id) that did not sign its tokens."""
        self._post("/test/publish-other-keys")

    def publish_own_keys(self) -> None:
        self._post("/test/publish-own-keys")

    def id_token_seconds(self, seconds: int) -> None:
        """The lifetime of the ID tokens issued from now on."""
        self._post("/test/id-token-seconds", str(seconds))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()


def start_provider(redirect_uris: list[str], accounts: dict[str, dict]) -> Provider:
    """Start the provider with one client (CLIENT_ID, CLIENT_SECRET) allowed to return to
    ``redirect_uris``, and ``accounts`` (login → claims)."""
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
        message = "the test OIDC provider needs node and `npm ci --prefix tests/oidc` (infra/bin/test runs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    clients = [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris}]
    env = {**os.environ, "OIDC_CLIENTS": json.dumps(clients), "OIDC_ACCOUNTS": json.dumps(accounts)}
    process = subprocess.Popen(
        [node, "provider.mjs"], cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=30)
    if not line or not line[0].strip():
        process.kill()
        raise RuntimeError("the test OIDC provider did not start")
    return Provider(json.loads(line[0])["issuer"], process)


def sign_in_at_provider(authorize_url: str, login: str, *, redirect_prefix: str, consent: bool = True) -> str:
    """Be the person at the provider: open ``authorize_url``, log in as ``login``, consent (or cancel
    with ``consent=False``), and return the address the provider sends the browser back to (the first
    redirect that starts with ``redirect_prefix``, our return page, which this client does not open)."""
    browser = requests.Session()
    url = authorize_url
    for _hop in range(20):
        if url.startswith(redirect_prefix):
            return url
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.is_redirect:
            url = urllib.parse.urljoin(url, answer.headers["Location"])
            continue
        assert answer.status_code == 200, (answer.status_code, answer.text[:500])
        action = urllib.parse.urljoin(url, FORM_ACTION.search(answer.text).group(1))
        if 'name="prompt" value="login"' in answer.text:
            answer = browser.post(
                action, data={"prompt": "login", "login": login, "password": "x"}, allow_redirects=False, timeout=10
            )
        elif not consent:
            answer = browser.get(action + "/abort", allow_redirects=False, timeout=10)
        else:
            answer = browser.post(action, data={"prompt": "consent"}, allow_redirects=False, timeout=10)
        assert answer.is_redirect, (answer.status_code, answer.text[:500])
        url = urllib.parse.urljoin(action, answer.headers["Location"])
    raise AssertionError("the provider never sent the browser back")
