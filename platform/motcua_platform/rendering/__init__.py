"""Rendering helpers shared by every document the platform prints: fonts for PDFs."""
