"""Optimistic concurrency on a dossier: every change names the version it was made from (If-Match) and
moves the version on, so of two officers acting at once one succeeds and the other gets a 409."""

from __future__ import annotations

import datetime as dt

from motcua_platform.errors import Conflict
from motcua_platform.i18n import _

from motcua_onestop.dossiers.models import Dossier


def expect(dossier: Dossier, expected_version: int) -> None:
    """Conflict unless ``dossier`` (loaded with ``lock=True``) is still at ``expected_version``."""
    if dossier.version != expected_version:
        raise Conflict(
            _(
                "Dossier %(code)s was changed by someone else (version %(version)s, you had "
                "%(expected_version)s); reload it and try again.",
                code=dossier.code,
                version=dossier.version,
                expected_version=expected_version,
            ),
            {"version": [_("Current version is %(version)s.", version=dossier.version)]},
        )


def bump(dossier: Dossier, now: dt.datetime) -> None:
    """Record a change: the next version (the new ETag) and when it was made."""
    dossier.version += 1
    dossier.updated_at = now
