"""Đất đai — land: first land-use certificate, transfer, inheritance, gift."""
