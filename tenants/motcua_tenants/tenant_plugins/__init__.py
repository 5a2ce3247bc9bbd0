"""Which plugins each tenant has enabled, with its settings for them (control plane)."""
