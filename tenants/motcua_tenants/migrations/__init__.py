"""Two Alembic environments: ``control`` (schema control) and ``tenant`` (one ``t_<slug>`` schema per run)."""
