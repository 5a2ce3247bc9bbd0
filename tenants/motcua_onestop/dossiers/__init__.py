"""Dossiers (hồ sơ): intake, the status state machine, deadlines, history and public tracking."""
