"""Test-only plugin: a table of its own and a revision with non-transactional steps."""
