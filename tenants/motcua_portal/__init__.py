"""The citizen portal: each province's branded web site on its tenant host (home, catalogue, procedure
pages, account, online submission, my dossiers, tracking), server-rendered in Vietnamese and English on
the kernel's web base (``motcua_platform.pages``), over the one-stop domain's services. The platform host
gets the product page. See docs/portal.md."""
