import pytest
from django.core.management import call_command

from documents.models import Document, DocumentVersion, QmsTemplate

pytestmark = pytest.mark.django_db


def test_demo_loads_a_realistic_mix(tmp_path, settings):
    call_command("load_demo", stdout=open(tmp_path / "out.txt", "w"))
    from organizations.models import Agency

    agency = Agency.objects.get(code="SNNMT")
    docs = Document.objects.filter(agency=agency)
    assert set(QmsTemplate.objects.values_list("kind__code", flat=True)) == {"department", "commune_committee"}
    assert docs.filter(status="in_force").count() >= 15
    assert docs.filter(status="obsolete").exists()
    assert DocumentVersion.objects.filter(document__agency=agency, status="superseded").exists()
    assert DocumentVersion.objects.filter(document__agency=agency, status="reviewed").exists()
    assert docs.needs_review().exists()
    assert DocumentVersion.objects.filter(file_kind="pdf").exists()
    assert DocumentVersion.objects.filter(file_kind="docx").exists()
    # Every DOCX has its stored preview, rendered by the service the task worker runs.
    for version in DocumentVersion.objects.filter(file_kind="docx"):
        assert version.preview.status == "ready" and version.preview.file_sha256 == version.file_sha256
        assert version.preview.html.startswith("<h1>")
    qt01 = docs.get(code="QT-01")
    assert "Mục đích" in qt01.versions.order_by("revision").first().body
    assert Document.objects.exclude(agency=agency).filter(status="in_force").count() >= 40
    # Separation of duties: no drafter checked or approved her own revision.
    from django.db.models import F, Q

    checked = DocumentVersion.objects.filter(reviewed_by__isnull=False)
    assert checked.count() >= 15
    assert not checked.filter(Q(reviewed_by=F("author")) | Q(approved_by=F("author"))).exists()
