"""Hộ tịch — civil status: birth, marriage and death registration, certified extract copies."""
