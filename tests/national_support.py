"""A local stand-in for the national portal's receiving end, for the national sync tests: an HTTP server on
127.0.0.1 in a thread that records every request, checks its signature, keeps the first of each idempotency
key (a repeat is answered 200 and not kept twice), and can be told to answer 503 (down), to refuse some
dossiers, to answer slowly, or to announce the n-th request before answering it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from motcua_onestop.national_sync import signing

SECRET = "receiver-test-secret-" + "s" * 24


@dataclass
class Received:
    key: str
    sequence: int
    code: str
    status: int
    body: bytes
    signed: bool


@dataclass
class Receiver:
    secret: str = SECRET
    down: bool = False  # answer 503 to everything
    failing_codes: set[str] = field(default_factory=set)  # answer 503 for these dossiers
    refused_codes: set[str] = field(default_factory=set)  # answer 422 for these dossiers
    redirect: bool = False  # answer 302 to another address, as a moved receiver would
    delay: float = 0.0  # seconds before each answer
    announce_at: int | None = None  # set ``announced`` when the n-th request arrives, before answering it
    announced: threading.Event = field(default_factory=threading.Event)
    requests: list[Received] = field(default_factory=list)  # every request that reached us, in order
    kept: dict[str, Received] = field(default_factory=dict)  # the first of each key, in arrival order
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    followed: int = 0  # GETs: redirects followed

    def handle(self, headers, body: bytes) -> int:
        signed = True
        try:
            signing.verify(self.secret, body, headers.get(signing.HEADER))
        except signing.BadSignature:
            signed = False
        envelope = json.loads(body)
        got = Received(
            headers.get("Idempotency-Key", ""),
            envelope["sequence"],
            envelope["HoSo"]["MaHoSo"],
            envelope["HoSo"]["TrangThaiHoSo"],
            body,
            signed,
        )
        with self.lock:
            self.requests.append(got)
            count = len(self.requests)
        if self.announce_at is not None and count == self.announce_at:
            self.announced.set()
        if self.delay:
            time.sleep(self.delay)
        if not signed:
            return 401
        if self.down or got.code in self.failing_codes:
            return 503
        if got.code in self.refused_codes:
            return 422
        if self.redirect:
            return 302
        with self.lock:
            self.kept.setdefault(got.key, got)  # a repeat of a key already kept changes nothing
        return 200

    def delivered(self, code: str) -> list[Received]:
        """What this receiver kept of one dossier, in the order it first saw each change."""
        return [got for got in self.kept.values() if got.code == code]


def start_receiver(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # only a sender that followed a redirect with a GET comes here
            with receiver.lock:
                receiver.followed += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.handle(self.headers, body)
            try:
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", receiver.url)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the sender was killed while we waited: nobody to answer
                pass

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hoso"
    return server
