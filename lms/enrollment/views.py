"""Enrollment pages."""

from flask import Blueprint

bp = Blueprint("enrollment", __name__)
