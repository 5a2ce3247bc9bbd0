# Billing fixtures (the Đắk Lắk contract, a finance client) shared by tests/functional/test_billing_*.py.
from billing_support import contract, finance  # noqa: F401
