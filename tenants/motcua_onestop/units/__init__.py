"""The unit tree inside a province: departments, service centres, communes (rows, not schemas)."""
