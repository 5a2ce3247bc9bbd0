"""Satisfaction ratings of a dossier's processing, by its applicant, after the result (issue 16)."""
