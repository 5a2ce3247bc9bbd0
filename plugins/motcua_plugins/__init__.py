"""Built-in procedure-group plugins."""
