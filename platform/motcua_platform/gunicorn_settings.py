"""gunicorn settings for Motcua Cloud, loaded by gunicorn as a module (``-c python:motcua_platform.gunicorn_settings``,
``GUNICORN_SETTINGS``): `motcua run` names it, so an installed wheel serves with the same settings as the source
tree (ADR 0050). Values come from the same MOTCUA_* environment variables as the rest of the platform
(docs/configuration.md)."""

import os

bind = os.environ.get("MOTCUA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MOTCUA_WEB_WORKERS", "2"))
# gunicorn's sync worker, whose own error answers (400, 414, 431 before the app) use the one JSON error format.
# Threads with keep-alive (gthread) were measured no faster with 2 threads and slower with more: the app is
# CPU-bound in Python (docs/decisions/0034-search-statement-and-trigram-index.md).
worker_class = "motcua_platform.web_worker.JsonErrorSyncWorker"
# The app is built once in the master; no database connection exists before fork (engines are lazy),
# and each worker opens its own pool on first use.
preload_app = True
# A worker is replaced after this many requests, a bound on whatever it might accumulate; each restart costs
# it its caches (answers, principals, statements), its connections and their server-side caches. At 10,000 a
# loaded worker was replaced every few seconds (the rotating search 2,185-2,354 req/s against 2,507-3,044);
# a worker's memory stayed at 141 MB from its 40,000th to its 100,000th search (ADR 0035).
max_requests = 100000
max_requests_jitter = 10000
timeout = 30
graceful_timeout = 20
keepalive = 5
# gunicorn's lines in the app's format (MOTCUA_LOG_FORMAT), and no access log of gunicorn's: the app writes
# one line per request, with its request id, tenant and actor (motcua_platform.request_log).
logger_class = "motcua_platform.web_worker.GunicornLogger"
accesslog = None
loglevel = os.environ.get("MOTCUA_LOG_LEVEL", "info").lower()
proc_name = "motcua"
# gunicorn's control socket (gunicornc) defaults to one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl), which every instance on the machine would share: a second server takes it
# over and gunicornc then manages the wrong one. Each instance gets its own, in its instance folder.
_instance = os.environ.get("MOTCUA_INSTANCE_PATH") or os.path.join(os.getcwd(), "instance")
control_socket = os.path.join(_instance, "gunicorn.ctl")


def post_fork(server, worker):
    runtime = worker.app.callable.extensions["motcua"]
    runtime.db.dispose()


def child_exit(server, worker):
    # prometheus-client's multiprocess mode (motcua_platform.metrics): a dead worker's live gauges go with it
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
