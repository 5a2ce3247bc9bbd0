"""Fixed-window rate limits shared by every process, counted in PostgreSQL."""
