from django.tasks import task

from core.schedule import periodic

from . import anchors


@periodic("AUDIT_ANCHOR_SCHEDULE")  # daily at 23:50 by default
@task()
def anchor_audit_chains():
    """Daily: each audit chain's head written outside the database (core.anchors); the same heads twice the same
    day change nothing."""
    written = anchors.write_anchor()
    return {"name": written.name, "written": written.written, "chains": written.chains}
