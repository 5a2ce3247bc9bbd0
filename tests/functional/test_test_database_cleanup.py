"""The pytest plugin drops the session's database and its tenant roles when the session ends: a run of
the suite against a shared server leaves nothing behind. Shown with a real pytest session in a
subprocess (its own checkout folder, so its own database name) that creates a tenant role as provisioning
does (``<database>_t_<slug>``, cluster-wide)."""

import os
import subprocess
import sys
import textwrap

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

INNER_TEST = textwrap.dedent(
    """
    import os
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    def test_creates_a_tenant_role(database_url):
        name = make_url(database_url).database
        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{name}_t_alpha" NOLOGIN'))
        engine.dispose()
        with open(os.environ["REPORT"], "w") as report:
            report.write(name)
    """
)


def test_a_session_drops_its_database_and_tenant_roles(database_url, tmp_path):
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    report = tmp_path / "database"
    env = dict(os.environ, REPORT=str(report), MOTCUA_TEST_DATABASE_URL=database_url)
    env.pop("MOTCUA_TEST_KEEP_DATABASE", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    name = report.read_text()
    assert name.startswith("motcua_test_") and name != make_url(database_url).database

    admin = create_engine(make_url(database_url).set(database="postgres"))
    with admin.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}) == 0
        roles = conn.scalars(text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :n)"), {"n": name}).all()
    admin.dispose()
    assert roles == []  # the inner session had created <db>_t_alpha
