"""Money as people read it: integer VND with the Vietnamese thousands separator."""

from __future__ import annotations


def vnd(amount: int) -> str:
    """1188000000 → '1.188.000.000' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")
