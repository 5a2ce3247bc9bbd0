"""A province's data handed over when it leaves: every table of its schema, its own control-plane records
and its stored files, written as documented open files (``export``); then the tenant's deletion, allowed
only while nothing has changed since that export (``deletion``). docs/operations/export.md."""
