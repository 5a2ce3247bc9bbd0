"""Metered billing: metrics, usage, contracts, rating, invoices, payment adapters."""
