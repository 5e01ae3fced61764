from django.tasks import task

from core.schedule import periodic


@task()
def run_import(job_id):
    """Bulk import of an export file of the one-stop-shop software (runs in the DB worker)."""
    from .services import run_import_job

    run_import_job(job_id)


@periodic("DOSSIER_WARN_SCHEDULE")  # every half hour in office hours by default
@task()
def warn_due_dossiers():
    """Early warning to the holders of dossiers about to be late (settings.EISO['DOSSIER_WARN_DAYS'])."""
    from .services import issue_warnings

    return issue_warnings()
