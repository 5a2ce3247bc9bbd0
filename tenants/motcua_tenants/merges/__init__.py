"""Merging one province's tenant into another's (``motcua tenants merge SOURCE --into TARGET``; ADR 0059)."""
