"""WSGI entry point for gunicorn: ``gunicorn -c infra/gunicorn.conf.py motcua_app.wsgi:app``."""

from motcua_app import create_app

app = create_app()
