"""What officials meet around the dossiers: the apology letter's signer, the integration tokens, the import page
and the engine's messages."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from dossiers import services, tasks
from dossiers.models import ApologyLetter, Dossier, IntegrationToken

from .conftest import T0, receive_row, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(catalog, province, users):
    users[Role.AGENCY_HEAD].position = "Giám đốc Sở"
    users[Role.AGENCY_HEAD].save()
    services.push_event(province["agencies"]["land"], receive_row("TRE-1", to_username="staff"))
    return Dossier.objects.get(code="TRE-1")


def test_the_apology_letter_is_prefilled_with_the_agency_head(late, users, client_as):
    page = client_as(users[Role.ISO_SECRETARY]).get(f"/dossiers/{late.pk}/apology/").content.decode()
    head = users[Role.AGENCY_HEAD]
    assert f'value="{head.get_full_name()}"' in page and 'value="Giám đốc Sở"' in page
    assert f'value="{users[Role.ISO_SECRETARY].get_full_name()}"' not in page


def test_the_apology_button_goes_once_the_letter_is_issued(late, users, client_as):
    client = client_as(users[Role.ISO_SECRETARY])
    assert 'data-testid="apology-link"' in client.get(late.get_absolute_url()).content.decode()
    services.issue_apology(
        late, reason="Xác minh thực địa", new_due_at=timezone.now() + dt.timedelta(days=5), signer_name="Nguyễn head"
    )
    assert 'data-testid="apology-link"' not in client.get(late.get_absolute_url()).content.decode()
    # the new date missed as well: a new letter is due again
    Dossier.objects.filter(pk=late.pk).update(apology_due_at=timezone.now() - dt.timedelta(hours=1))
    assert 'data-testid="apology-link"' in client.get(late.get_absolute_url()).content.decode()
    assert ApologyLetter.objects.count() == 1


def test_revoking_a_token_asks_for_confirmation(province, users, client_as):
    token, _raw = IntegrationToken.issue(province["agencies"]["land"], "Một cửa")
    client = client_as(users[Role.ISO_SECRETARY])
    url = f"/dossiers/tokens/{token.pk}/revoke/"
    page = client.get(url).content.decode()
    assert "Thu hồi khóa “Một cửa”" in page and 'data-testid="confirm-revoke"' in page
    token.refresh_from_db()
    assert token.revoked_at is None  # looking at the question changes nothing
    client.post(url)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(url).status_code == 404  # revoked once


def test_the_token_page_is_in_the_menu_of_those_who_may_use_it(users, client_as):
    assert 'href="/dossiers/tokens/"' in client_as(users[Role.ISO_SECRETARY]).get("/").content.decode()
    assert 'href="/dossiers/tokens/"' not in client_as(users[Role.STAFF]).get("/").content.decode()


def test_the_import_page_offers_a_template_and_the_valid_values(catalog, users, client_as):
    client = client_as(users[Role.ISO_SECRETARY])
    page = client.get("/dossiers/imports/").content.decode()
    assert 'data-testid="import-template"' in page
    assert "<code>supplement_request</code>" in page and "Yêu cầu bổ sung" in page
    assert "1.004227" in page and "<code>review</code>" in page
    template = client.get("/dossiers/imports/template.csv").content.decode("utf-8-sig").splitlines()
    assert template[0].startswith("Mã sự kiện,Mã hồ sơ,Loại sự kiện,Thời điểm,Bước")
    assert template[1].split(",")[8] in {"1.004227", "1.001193"}  # a procedure the agency has a process for


def test_the_template_imports_as_it_is(catalog, province, users, client_as):
    """The template's example is a valid dossier for the agency: an official can start from it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as(users[Role.ISO_SECRETARY])
    content = client.get("/dossiers/imports/template.csv").content
    job = tasks.start_import(
        province["agencies"]["land"], SimpleUploadedFile("mau.csv", content), users[Role.ISO_SECRETARY]
    )
    job.refresh_from_db()
    assert (job.status, job.rows_stored, job.rows_error) == ("done", 3, 0), job.message


def test_an_unknown_step_names_the_valid_steps(catalog, province):
    client = APIClient()
    _t, raw = IntegrationToken.issue(province["agencies"]["land"], "x")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    services.push_event(province["agencies"]["land"], receive_row())
    response = client.post(
        "/api/dossiers/events/",
        {
            "event_id": "e9",
            "dossier_code": "HS-001",
            "event": "transfer",
            "occurred_at": (T0 + dt.timedelta(hours=1)).isoformat(),
            "step": "sign",
        },
        format="json",
    )
    detail = response.json()["detail"]
    assert response.status_code == 400 and "“sign”" in detail
    assert "các bước hợp lệ: receive (Bước receive), transfer (Bước transfer), review" in detail


def test_an_impossible_date_is_refused_in_vietnamese(catalog, province):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.push_event(province["agencies"]["land"], row("HS-1", "x", "receive", "2026-13-01 08:00"))
    assert "Month" not in str(exc.value) and "không đúng định dạng" in str(exc.value)


def test_missing_columns_are_named_by_their_headers(catalog, province, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = tasks.start_import(
        province["agencies"]["land"], SimpleUploadedFile("x.csv", b"a,b\n1,2\n"), users[Role.ISO_SECRETARY]
    )
    job.refresh_from_db()
    assert "“Mã sự kiện”" in job.message and "event_id" not in job.message
