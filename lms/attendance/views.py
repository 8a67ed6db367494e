"""Attendance pages."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)
