"""Local development and the demo: SQLite and local files unless told otherwise."""

from .base import *  # noqa: F403

DEBUG = True
