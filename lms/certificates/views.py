"""Certificates pages."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
