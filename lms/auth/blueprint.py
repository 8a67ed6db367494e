"""The auth blueprint: sign-in, sign-out and the own password (views.py)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
