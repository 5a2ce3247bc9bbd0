"""Accounts, passwords, login tokens and role checks for vendor operators and tenant staff."""
