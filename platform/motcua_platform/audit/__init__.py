"""Append-only record of who did what, in the control plane and inside each tenant."""
