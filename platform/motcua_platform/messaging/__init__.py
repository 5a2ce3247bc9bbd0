"""How messages leave the platform (e-mail)."""
