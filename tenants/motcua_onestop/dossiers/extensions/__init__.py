"""Extensions after an apology (form 04), and the late notices sent when a dossier runs past its due date."""
