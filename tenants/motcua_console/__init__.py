"""The staff consoles on a province's tenant host, under ``/console``: server-rendered pages on the
kernel's web base (``motcua_platform.pages``), in Vietnamese and English, over the same services as the
staff API. First the officer's workspace (inbox, one dossier, its actions). See docs/consoles.md."""
