"""Xây dựng — construction permits for private houses: new, extension, adjustment."""
