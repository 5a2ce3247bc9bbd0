"""The embedded PostgreSQL used when no database URL is configured (development, demos, tests).

``pgserver`` ships PostgreSQL binaries in a wheel, so a fresh machine needs no system install. The
server's data lives under the instance folder and is reused by the next start.
"""

from __future__ import annotations

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
