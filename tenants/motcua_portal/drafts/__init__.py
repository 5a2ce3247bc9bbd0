"""Drafts of online applications (one per citizen and procedure), and posts parked while a session had
expired. Flask-free services over the tenant's schema and the tenant's object storage."""
