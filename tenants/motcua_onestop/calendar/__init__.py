"""The province's working calendar (holidays, days off, make-up working days, office hours) and the deadline engine."""
