"""Citizen and business accounts on a province's portal: registration, login, profile, own dossiers."""
