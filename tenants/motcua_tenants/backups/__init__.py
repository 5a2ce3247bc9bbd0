"""Per-tenant backup and restore: one province's schema rows and stored objects as a self-checking folder
(docs/operations/backups.md, docs/decisions/0052-tenant-backups-as-table-copies.md)."""
