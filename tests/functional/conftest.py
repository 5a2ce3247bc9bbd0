# Billing fixtures (the Đắk Lắk contract, a finance client) shared by tests/functional/test_billing_*.py, and
# a real SMTP server on 127.0.0.1 (``smtp``) shared with the notification tests; the hand-built month of
# dossiers (``march``) shared by the statistics and indicator tests; a second PostgreSQL cluster
# (``second_url``, ``two_servers``) shared by the tests of several database servers and of the export.
from billing_support import contract, finance, smtp  # noqa: F401
from server_support import second_url, two_servers  # noqa: F401
from statistics_support import march  # noqa: F401
