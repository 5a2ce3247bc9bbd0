"""Printable forms 01–07 of TT 03/2025 (receipt, supplement, refusal, apology, stop, control slip, register)."""
