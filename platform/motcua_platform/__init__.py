"""Motcua Cloud platform core: app factory, configuration, tenancy binding, auth, API base, CLI."""
