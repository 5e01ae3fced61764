"""The document list pages by keyset in the quality system's order (agency, type, code), for each user's scope."""

import pytest

from accounts.roles import Role
from core.tests.keyset import walk
from core.text import sort_key
from documents.models import Document, DocumentType
from documents.services import type_rank

pytestmark = pytest.mark.django_db
TYPES = list(DocumentType.values)


@pytest.fixture
def documents(province):
    """70 and 40 documents of two agencies of the province whose names sort alike (the same codes and types in both:
    the id breaks those ties), 20 of the other province."""
    from organizations.models import Agency

    home, other = province["agencies"], province["other_agencies"]
    Agency.objects.filter(pk__in=[home["land"].pk, home["science"].pk]).update(sort_key="sở")
    rows = []
    for agency, n in ((home["land"], 70), (home["science"], 40), (other["land"], 20)):
        for i in range(n):
            title = f"Tài liệu {i}"
            rows.append(
                Document(
                    agency=agency,
                    doc_type=TYPES[i % len(TYPES)],
                    code=f"QT-{i:02d}",
                    title=title,
                    sort_key=sort_key(title),
                    status="in_force" if i % 4 else "draft",
                )
            )
    Document.objects.bulk_create(rows)
    return Document.objects.all()


def _listed(qs):
    return list(qs.order_by("agency__sort_key", type_rank(), "code", "id").values_list("pk", flat=True))


@pytest.mark.parametrize(
    "who, params", [(Role.OVERSIGHT, {}), (Role.ISO_SECRETARY, {}), (Role.OVERSIGHT, {"status": "in_force"})]
)
def test_document_pages_walk_the_list_once_in_order(documents, users, client_for, who, params):
    user = users[who]
    client = client_for(user)
    visible = documents.filter(agency__province=user.agency.province)
    if who == Role.ISO_SECRETARY:
        visible = visible.filter(agency=user.agency)
    if params:
        visible = visible.filter(**params)
    expected = _listed(visible)
    assert len(expected) > 50
    assert walk(client, "/documents/", params)[0] == expected
    assert walk(client, "/documents/", params, forward=False)[0] == expected
    content = client.get("/documents/", params).content.decode()
    assert f"{len(expected)} tài liệu" in content


def test_document_count_is_capped(documents, users, client_for, monkeypatch):
    from documents.views import DOCUMENT_PAGES

    monkeypatch.setattr(DOCUMENT_PAGES, "count_cap", 100)
    content = client_for(users[Role.OVERSIGHT]).get("/documents/").content.decode()
    assert "Hơn 100 tài liệu" in content
    assert 'data-testid="jump-to-date"' not in content  # not ordered by a date
