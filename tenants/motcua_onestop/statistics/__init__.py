"""Statistics of a province's dossiers: received, resolved early / on time / late, pending within or past the
deadline, withdrawn, stopped, refused and supplement requests, for any period and slice (docs/statistics.md)."""
