"""Periodic work of the improvement cycle (the database worker runs it; both are idempotent)."""

from django.tasks import task

from core.audit import acting_as
from core.schedule import periodic

from . import services


@periodic("OBJECTIVE_MEASURE_SCHEDULE")  # nightly by default
@task()
def measure_objectives():
    """Recompute the measurements of this year's automatic objectives (a value that did not change is not written)."""
    with acting_as(None):
        return services.recompute_all()


@periodic("NC_PROPOSAL_SCHEDULE")  # nightly by default
@task()
def propose_nonconformities():
    """Propose a nonconformity for each step of a procedure late in enough dossiers of a month (once each)."""
    with acting_as(None):
        return services.propose_from_late_dossiers()
