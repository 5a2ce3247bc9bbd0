"""``motcua documents``: stored documents of a province from the shell. ``check-signatures`` gives the PDFs
stored before uploads were checked their signature check, and results stored before results had a public
link their link (``backfill``), so that the officer's page and the public verification page can say who
signed them."""

from __future__ import annotations

import json

import click
from motcua_platform.directory.models import TenantStatus
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import ServiceError
from motcua_platform.signatures.settings import trust_list
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
    existed, or by a script), fetching revocation data unless MOTCUA_SIGNING_FETCH_REVOCATION=0, and give each
    current result without a public verification link its link. Each document is committed on its own: run it
    again to finish what an interrupted run left. Needs the trust list (MOTCUA_SIGNING_TRUST_LIST): a check
    stored against none would say "untrusted" for good. Exit 1 when some document could not be read."""
    runtime = cli.runtime
    config = runtime.config
    if config.signing_trust_list is None:
        raise click.ClickException(
            "MOTCUA_SIGNING_TRUST_LIST is not set: every signature would be stored as untrusted. Set it first."
        )
    try:
        trust = trust_list(config)
    except Exception as error:
        raise click.ClickException(f"The trust list {config.signing_trust_list} cannot be read: {error}") from None

    def verifier(pdf: bytes, allow_fetching: bool):
        return verify(pdf, trust, allow_fetching=allow_fetching and config.signing_fetch_revocation)

    with runtime.db.control_session() as control:
        for slug in slugs:  # every province is known and served before any is touched
            try:
                tenant = get_tenant(control, slug)
            except ServiceError as error:
                raise click.ClickException(str(error.message)) from None
            if tenant.status in (TenantStatus.MERGED, TenantStatus.DELETED, TenantStatus.PROVISIONING):
                raise click.ClickException(f"Province '{slug}' is {tenant.status}: its documents are not served.")
    failed = False
    for slug in slugs:
        with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
            result = backfill.run(session, tenant_objects(config, slug), verifier, limit=limit)
        failed = failed or bool(result.unreadable)
        if as_json:
            line = {"tenant": slug, "linked": result.linked, "checked": result.total, "by_summary": result.checked}
            click.echo(json.dumps(line | {"unreadable": [{"id": i, "error": e} for i, e in result.unreadable]}))
            continue
        counts = ", ".join(f"{n} {summary}" for summary, n in sorted(result.checked.items())) or "nothing to check"
        click.echo(f"{slug}: checked {result.total} PDF(s): {counts}; {result.linked} result(s) given a link")
        for document_id, error in result.unreadable:
            click.echo(f"  document {document_id} could not be read: {error}", err=True)
    if failed:
        raise SystemExit(1)
