"""A tenant's procedure catalogue: its enabled plugins' procedures (with local overrides) plus its own."""
