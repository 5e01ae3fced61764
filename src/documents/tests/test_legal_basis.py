"""Documents whose legal basis changed appear in the "needs review" list."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.roles import Role
from documents import services
from documents.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def decree(make_document, issue):
    doc = make_document(
        code="ND-61",
        title="Nghị định 61/2018/NĐ-CP về cơ chế một cửa",
        doc_type="external",
        external_number="61/2018/NĐ-CP",
        external_issuer="Chính phủ",
    )
    issue(doc.versions.get())
    return Document.objects.get(pk=doc.pk)


@pytest.fixture
def procedure_doc(make_document, issue, decree):
    doc = make_document(code="QT-07", title="Quy trình tiếp nhận và trả kết quả", legal_bases=[decree])
    issue(doc.versions.get())
    return Document.objects.get(pk=doc.pk)


def test_revising_a_law_flags_the_documents_based_on_it(procedure_doc, decree, secretary, issue, client_for):
    assert list(procedure_doc.legal_bases.all()) == [decree]
    draft = services.revise(decree, secretary, change_summary="Sửa đổi theo Nghị định 107/2021/NĐ-CP")
    procedure_doc.refresh_from_db()
    assert not procedure_doc.needs_review  # the amendment is not in force yet
    issue(draft)
    procedure_doc.refresh_from_db()
    assert procedure_doc.needs_review
    assert "Văn bản căn cứ “ND-61" in procedure_doc.needs_review_reason and "lần 2" in procedure_doc.needs_review_reason
    html = client_for(secretary).get("/documents/needs-review/").content.decode()
    assert "QT-07" in html


def test_withdrawing_a_law_flags_them_too(procedure_doc, decree, head):
    services.transition(decree.current_version, head, "obsolete", comment="Bị thay thế bởi Nghị định mới")
    procedure_doc.refresh_from_db()
    assert procedure_doc.needs_review and "hết hiệu lực" in procedure_doc.needs_review_reason


def test_only_external_documents_of_the_agency_can_be_a_legal_basis(make_document, users, province):
    internal = make_document(code="QT-01")
    with pytest.raises(ValidationError) as exc:
        make_document(code="QT-08", title="Quy trình khác", legal_bases=[internal])
    assert "legal_bases" in exc.value.error_dict
    assert not Document.objects.filter(code="QT-08").exists()
    other_agency = province["other_agencies"]["land"]
    other_secretary = User.objects.create_user("other_secretary", role=Role.ISO_SECRETARY, agency=other_agency)
    other = services.create_document(
        agency=other_agency,
        user=other_secretary,
        code="LUAT",
        title="Luật Đất đai",
        doc_type="external",
        external_number="31/2024/QH15",
        external_issuer="Quốc hội",
        body="Luật Đất đai 2024",
    )
    with pytest.raises(ValidationError):
        make_document(code="QT-09", title="Quy trình thứ ba", legal_bases=[other])


def test_the_form_offers_the_agencys_laws_and_shows_both_links(procedure_doc, decree, secretary, client_for):
    client = client_for(secretary)
    form_html = client.get("/documents/new/").content.decode()
    assert "ND-61" in form_html
    assert "ND-61" in client.get(procedure_doc.get_absolute_url()).content.decode()
    assert "QT-07" in client.get(decree.get_absolute_url()).content.decode()
