"""Who did what is recorded as it happened, whoever called the service: a task, the demo loader or a request."""

import pytest

from accounts.roles import Role
from core.audit import acting_as
from core.models import AuditEntry
from documents import services

pytestmark = pytest.mark.django_db


def test_document_services_attribute_their_writes_to_the_acting_user_outside_a_request(province, users):
    secretary, head = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD]
    with acting_as(None):  # as the demo loader and the tasks run
        doc = services.create_document(
            agency=province["agencies"]["land"],
            user=secretary,
            code="QT-09",
            title="Quy trình tiếp nhận phản ánh",
            doc_type="procedure",
            body="Nội dung",
        )
        version = doc.versions.get()
        services.transition(version, secretary, "submit")
        services.transition(version, head, "review")
        services.transition(version, head, "approve")
    entries = AuditEntry.objects.for_object(doc)
    assert entries.exists()
    assert not entries.filter(actor__isnull=True).exists()
    assert entries.filter(action=AuditEntry.Action.CREATE).get().actor == secretary
    version_entries = AuditEntry.objects.for_object(version)
    assert {e.actor for e in version_entries} == {secretary, head}
