"""A job worker is a process of its own: whatever its tasks import when they run, every foreign key of
every mapped table must resolve there (a worker once failed its notification drain on
``notification_outbox.citizen_account_id`` because nothing had imported the citizens' models)."""

import subprocess
import sys
import textwrap


def test_a_job_queue_process_maps_every_foreign_key_target():
    script = textwrap.dedent(
        """
        import motcua_app  # installs the areas, as the worker's entry point (motcua_app.cli) does
        from motcua_platform.db.base import ControlBase, TenantBase
        from motcua_platform.jobs import JobQueue

        JobQueue("postgresql://nobody@127.0.0.1:1/none")  # builds the queue; connects only when used
        unresolved = []
        for metadata in (ControlBase.metadata, TenantBase.metadata):
            for table in metadata.tables.values():
                for key in table.foreign_keys:
                    try:
                        key.column
                    except Exception as exc:
                        unresolved.append(f"{table.name}: {exc}")
        assert "notification_outbox" in TenantBase.metadata.tables
        print("\\n".join(unresolved) or "ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
