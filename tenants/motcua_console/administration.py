"""The province administration pages (the tenant admin's part of the console): importing this module adds
their routes to the console blueprint."""

from motcua_console import audit_pages, password_pages, staff_pages, unit_pages  # noqa: F401
