"""The web base for HTML pages: the one theme, fingerprinted assets, CSRF on every form, the security
headers (a Content-Security-Policy with no inline script), the language switch and cookie sessions.

Areas serve pages through ``PageBlueprint`` (listed in ``Areas.pages``); their templates extend
``pages/base.html``. Pages work without JavaScript; scripts only enhance. See docs/portal.md."""

from motcua_platform.pages.blueprint import PageBlueprint
from motcua_platform.pages.installation import install

__all__ = ["PageBlueprint", "install"]
