"""Entry point: `gunicorn wsgi:app` in production, `flask --app wsgi ...` for commands."""

from lms import create_app

app = create_app()
