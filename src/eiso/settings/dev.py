"""Local development and the demo: SQLite and local files unless told otherwise."""

from .base import *  # noqa: F403
from .base import env_bool

# Local development debugs unless told otherwise; `./eiso run` (the demo) sets EISO_DEBUG=0, so a visitor sees
# the project's own Vietnamese 404/500 pages, never Django's debug page.
DEBUG = env_bool("EISO_DEBUG", True)
