"""Merging a province into another (the 2025 reform): ``motcua tenants merge SOURCE --into TARGET --on DATE``."""
