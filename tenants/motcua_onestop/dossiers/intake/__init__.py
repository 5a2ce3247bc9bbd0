"""Intake: counter, postal and online submission, dossier codes and the cached lookups intake needs."""
