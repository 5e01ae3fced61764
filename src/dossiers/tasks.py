"""Background work of the dossiers (the database worker runs it). Tasks call services; services never import
tasks: whoever starts background work enqueues it (here `start_import`)."""

from django.db import transaction
from django.tasks import task

from core.schedule import periodic

from . import services


@task()
def run_import(job_id):
    """Bulk import of an export file of the one-stop-shop software (runs in the DB worker)."""
    services.run_import_job(job_id)


def start_import(agency, uploaded, user):
    """Store the uploaded file as an import job and enqueue its run, in one transaction (the database backend stores
    the task in it): no job is left pending without a task to run it."""
    with transaction.atomic():
        job = services.create_import_job(agency, uploaded, user)
        run_import.enqueue(job.pk)
    return job


@periodic("DOSSIER_IMPORT_RECOVERY_SCHEDULE")  # every 5 minutes by default
@task()
def recover_imports():
    """Resume the imports whose run stopped (worker killed, database lost) after their last committed row, or end
    them failed after DOSSIER_IMPORT_ATTEMPTS runs. The jobs set pending and their runs are enqueued in one
    transaction. Ticks enqueued while no worker runs are run when one starts: a restarted worker recovers at once."""
    with transaction.atomic():
        resumed = services.recover_stale_imports()
        for job_id in resumed:
            run_import.enqueue(job_id)
    return resumed


@periodic("DOSSIER_WARN_SCHEDULE")  # every half hour in office hours by default
@task()
def warn_due_dossiers():
    """Early warning to the holders of dossiers about to be late (settings.EISO['DOSSIER_WARN_DAYS'])."""
    return services.issue_warnings()
