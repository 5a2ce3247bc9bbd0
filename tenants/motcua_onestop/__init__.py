"""The one-stop domain each tenant runs: units, catalogue, working calendar, dossiers, citizens and
notifications. It builds on the kernel (``motcua_platform``) only; billing hears of its usage through the
kernel's usage signal."""
