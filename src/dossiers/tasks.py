"""Background work of the dossiers (the database worker runs it). Tasks call services; services never import
tasks: whoever starts background work enqueues it (here `start_import`)."""

from django.tasks import task

from core.schedule import periodic

from . import services


@task()
def run_import(job_id):
    """Bulk import of an export file of the one-stop-shop software (runs in the DB worker)."""
    services.run_import_job(job_id)


def start_import(agency, uploaded, user):
    """Store the uploaded file as an import job and enqueue its run. The database backend stores the task in the
    current transaction: the worker sees it on commit."""
    job = services.create_import_job(agency, uploaded, user)
    run_import.enqueue(job.pk)
    return job


@periodic("DOSSIER_WARN_SCHEDULE")  # every half hour in office hours by default
@task()
def warn_due_dossiers():
    """Early warning to the holders of dossiers about to be late (settings.EISO['DOSSIER_WARN_DAYS'])."""
    return services.issue_warnings()
