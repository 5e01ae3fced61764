# The English UI writes dates and numbers exactly as the Vietnamese one (dd/mm/yyyy).
from eiso.formats.vi.formats import *  # noqa: F403
