"""WSGI entry point for gunicorn: ``gunicorn -c python:motcua_platform.gunicorn_settings motcua_app.wsgi:app``."""

from motcua_app import create_app

app = create_app()
