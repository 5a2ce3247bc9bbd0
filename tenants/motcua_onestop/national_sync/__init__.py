"""Synchronisation with the national public-service portal (DVCQG): every status change of a dossier goes out
in order through a per-dossier outbox; see docs/integrations.md and ADR 0045."""
