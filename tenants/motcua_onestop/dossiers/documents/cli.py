"""``motcua documents``: stored documents of a province from the shell. ``check-signatures`` gives the PDFs
stored before uploads were checked their signature check (``backfill``), so that the officer's page and the
public verification page can say who signed them."""

from __future__ import annotations

import json

import click
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import ServiceError
from motcua_platform.signatures.settings import usable_trust_list
from motcua_platform.signatures.verify import verify
from motcua_platform.storage.services import tenant_objects

from motcua_onestop.dossiers.documents import backfill


@click.group()
def documents() -> None:
    """Stored documents of a province: signature checks of older PDFs."""


@documents.command("check-signatures")
@click.argument("slugs", nargs=-1, required=True, metavar="SLUG...")
@click.option("--limit", type=click.IntRange(min=1), help="Check at most this many PDFs per province.")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per province instead of text.")
@click.pass_obj
def check_signatures(cli, slugs: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """Check the signatures of every PDF of the provinces given that has no check yet (stored before checks
    existed, or by a script), fetching revocation data unless MOTCUA_SIGNING_FETCH_REVOCATION=0. Each
    document is committed on its own: run it again to finish what an interrupted run left. Exit 1 when some
    document's content could not be read."""
    runtime = cli.runtime
    config = runtime.config
    trust = usable_trust_list(config)

    def verifier(pdf: bytes, allow_fetching: bool):
        return verify(pdf, trust, allow_fetching=allow_fetching and config.signing_fetch_revocation)

    failed = False
    for slug in slugs:
        try:
            with runtime.db.control_session() as control:
                get_tenant(control, slug)
        except ServiceError as error:
            raise click.ClickException(str(error.message)) from None
        with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
            result = backfill.run(session, tenant_objects(config, slug), verifier, limit=limit)
        failed = failed or bool(result.unreadable)
        if as_json:
            line = {"tenant": slug, "checked": result.total, "by_summary": result.checked}
            click.echo(json.dumps(line | {"unreadable": [{"id": i, "error": e} for i, e in result.unreadable]}))
            continue
        counts = ", ".join(f"{n} {summary}" for summary, n in sorted(result.checked.items())) or "nothing to check"
        click.echo(f"{slug}: checked {result.total} PDF(s): {counts}")
        for document_id, error in result.unreadable:
            click.echo(f"  document {document_id} could not be read: {error}", err=True)
    if failed:
        raise SystemExit(1)
