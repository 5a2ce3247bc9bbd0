"""The vendor operators' console blueprint: ``/operator`` on the platform host only (realm "platform"); a
tenant host answers these addresses with a 404."""

from __future__ import annotations

from pathlib import Path

from motcua_platform.pages import PageBlueprint
from motcua_platform.pages.assets import ASSETS

operator = PageBlueprint(
    "operator",
    __name__,
    realm="platform",
    url_prefix="/operator",
    template_folder="templates",
    layout="console/operator/layout.html",
)

# The console's scripts (progressive enhancement only), served fingerprinted as /assets/operator/<name>.
ASSETS.add_folder(Path(__file__).parent / "static")
