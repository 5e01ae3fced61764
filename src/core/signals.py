from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import audit, workdays
from .models import CalendarOverride

post_save.connect(audit.on_save, dispatch_uid="eiso_audit_save")
post_delete.connect(audit.on_delete, dispatch_uid="eiso_audit_delete")


@receiver([post_save, post_delete], sender=CalendarOverride, dispatch_uid="eiso_calendar_reset")
def reset_calendar(**kwargs):
    workdays.reset_calendar()
