"""The processing workflow: steps per unit, claim, hand-off and completion."""
