"""The consoles' blueprint: pages under ``/console`` on a tenant host (endpoints ``console.<page>``). Page
modules add their routes to it; ``motcua_console.pages`` imports them all."""

from __future__ import annotations

from motcua_platform.pages import PageBlueprint

console = PageBlueprint(
    "console",
    __name__,
    realm="tenant",
    url_prefix="/console",
    template_folder="templates",
    layout="console/layout.html",
)
