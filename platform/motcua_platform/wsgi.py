"""WSGI entry point for gunicorn: ``gunicorn -c infra/gunicorn.conf.py motcua_platform.wsgi:app``."""

from motcua_platform.app import create_app

app = create_app()
