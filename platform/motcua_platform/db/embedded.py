"""The embedded PostgreSQL used when no database URL is configured (development, demos, tests).

``pgserver`` ships PostgreSQL binaries in a wheel, so a fresh machine needs no system install. The
server's data lives under the instance folder and is reused by the next start.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from sqlalchemy.engine import make_url


def start_embedded(data_dir: Path, database: str = "motcua") -> str:
    """Start (or reuse) the embedded server in ``data_dir``; return a SQLAlchemy URL for ``database``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(data_dir, cleanup_mode=None)
    if database != "postgres":
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608 - validated identifier
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
    url = make_url(server.get_uri(database))
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def pg_binary(name: str) -> str:
    """Path of a PostgreSQL client program shipped with pgserver (e.g. pg_dump, pg_restore). Newer
    pg_dump can dump older servers, so this works against the external server too."""
    import pgserver

    path = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
    if not path.exists():
        raise FileNotFoundError(f"{name} not found in the pgserver package ({path})")
    return str(path)


def stop_embedded(data_dir: Path) -> None:
    """Stop the embedded server in ``data_dir`` (fast shutdown), e.g. before deleting a scratch instance."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver._commands import pg_ctl

        server = pgserver.get_server(data_dir, cleanup_mode=None)
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=Path(data_dir), user=server.system_user)


def embedded_running(data_dir: Path) -> bool:
    """Whether an embedded server is running on ``data_dir`` (its postmaster.pid names a live process)."""
    try:
        pid = int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True
