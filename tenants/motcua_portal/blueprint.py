"""The portal's blueprint: the province's site on its tenant host (endpoints ``site.<page>``). Page modules
add their routes to it; ``motcua_portal.pages`` imports them all. The two "/" pages (the province's home,
the platform host's product page) are the kernel's ``front_page`` views."""

from __future__ import annotations

from motcua_platform.pages import PageBlueprint

portal = PageBlueprint("site", __name__, realm="tenant", template_folder="templates", layout="portal/layout.html")
