import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from dossiers.models import Dossier, DossierEvent, IntegrationToken

from .conftest import T0, receive_row, row

pytestmark = pytest.mark.django_db
URL = "/api/dossiers/events/"


def api(raw=None):
    client = APIClient()
    if raw:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def tokens(province):
    _a, raw_a = IntegrationToken.issue(province["agencies"]["land"], "Một cửa tỉnh A")
    _b, raw_b = IntegrationToken.issue(province["other_agencies"]["land"], "Một cửa tỉnh B")
    return {"a": raw_a, "b": raw_b}


def body(data):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def test_push_events_with_a_token_is_idempotent(catalog, tokens):
    client = api(tokens["a"])
    first = client.post(URL, body(receive_row()), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "created" and first.json()["dossier"]["code"] == "HS-001"
    again = client.post(URL, body(receive_row()), format="json")
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    moved = client.post(
        URL,
        body(
            row(
                "HS-001",
                "e2",
                "transfer",
                T0 + __import__("datetime").timedelta(hours=1),
                step="review",
                to_name="Chuyên viên",
            )
        ),
        format="json",
    )
    assert moved.status_code == 201 and moved.json()["dossier"]["current_step"] == "review"
    assert DossierEvent.objects.count() == 2
    detail = client.get("/api/dossiers/dossiers/HS-001/")
    assert detail.status_code == 200 and len(detail.json()["events"]) == 2


def test_bad_events_get_a_400_with_the_reason(catalog, tokens):
    client = api(tokens["a"])
    response = client.post(URL, body(receive_row(procedure="0.000")), format="json")
    assert response.status_code == 400 and "0.000" in response.json()["detail"]
    response = client.post(URL, body(row("HS-404", "x", "transfer", T0, step="review")), format="json")
    assert response.status_code == 400 and "chưa được tiếp nhận" in response.json()["detail"]
    response = client.post(
        URL, {"event_id": "1", "dossier_code": "X", "event": "fly", "occurred_at": "hôm qua"}, format="json"
    )
    assert response.status_code == 400 and {"event", "occurred_at"} <= set(response.json())


def test_token_of_agency_a_cannot_push_for_agency_b(catalog, tokens, province):
    # Agency B received HS-B1; A's token cannot move it, nor see it.
    assert api(tokens["b"]).post(URL, body(receive_row("HS-B1")), format="json").status_code == 201
    client = api(tokens["a"])
    response = client.post(URL, body(row("HS-B1", "e2", "transfer", T0, step="review")), format="json")
    assert response.status_code == 400
    b_dossier = Dossier.objects.get(code="HS-B1")
    assert b_dossier.agency == province["other_agencies"]["land"] and b_dossier.events.count() == 1
    assert client.get("/api/dossiers/dossiers/HS-B1/").status_code == 404
    assert client.get("/api/dossiers/dossiers/").json()["results"] == []


def test_missing_wrong_or_revoked_tokens_are_refused(catalog, tokens):
    assert api().post(URL, body(receive_row()), format="json").status_code in (401, 403)
    assert api("abcd.wrong").post(URL, body(receive_row()), format="json").status_code == 401
    token = IntegrationToken.objects.get(name="Một cửa tỉnh A")
    token.revoked_at = T0
    token.save()
    assert api(tokens["a"]).post(URL, body(receive_row()), format="json").status_code == 401
    assert Dossier.objects.count() == 0
    assert "secret_hash" not in str(token._audit_before)


def test_only_the_hash_of_a_token_is_stored(tokens):
    stored = IntegrationToken.objects.values_list("prefix", "secret_hash")
    for _prefix, secret_hash in stored:
        assert len(secret_hash) == 64 and tokens["a"] != secret_hash and tokens["b"] != secret_hash


def test_officials_push_for_their_own_agency_only(catalog, users, client_as):
    client = APIClient()
    client.force_authenticate(users[Role.STAFF])
    assert client.post(URL, body(receive_row()), format="json").status_code == 201
    viewer = APIClient()
    viewer.force_authenticate(users[Role.PROVINCIAL_VIEWER])
    assert viewer.post(URL, body(receive_row("HS-2")), format="json").status_code == 403
    assert [d["code"] for d in viewer.get("/api/dossiers/dossiers/").json()["results"]] == ["HS-001"]
    other = APIClient()
    other.force_authenticate(users["other_staff"])
    assert other.get("/api/dossiers/dossiers/").json()["results"] == []


def test_import_via_the_api(catalog, tokens):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (
        "ma_su_kien,ma_ho_so,loai,thoi_gian,buoc,ma_thu_tuc,nguoi_nop\n"
        "1,HS-9,receive,2026-03-02T09:00,,1.004227,Nguyễn Văn A\n"
        "2,HS-9,return,2026-03-03T09:00,,,\n"
        "3,HS-10,return,2026-03-03T09:00,,,\n"
    )
    client = api(tokens["a"])
    response = client.post(
        "/api/dossiers/imports/", {"file": SimpleUploadedFile("e.csv", csv.encode())}, format="multipart"
    )
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "done" and (job["rows_stored"], job["rows_error"]) == (2, 1)
    errors = client.get(f"/api/dossiers/imports/{job['id']}/errors/")
    assert errors.status_code == 200 and "HS-10" in errors.content.decode("utf-8-sig")


def test_the_openapi_schema_documents_the_integration(catalog, users, client_as):
    schema = client_as(users[Role.OVERSIGHT]).get("/api/schema/?format=json").json()
    assert "/api/dossiers/events/" in schema["paths"]
    assert "/api/procedures/procedures/" in schema["paths"]
    assert "IntegrationToken" in schema["components"]["securitySchemes"]


def test_catalog_and_process_api_are_scoped(catalog, users):
    def get(user, url):
        client = APIClient()
        client.force_authenticate(user)
        return client.get(url).json()["results"]

    home = get(users[Role.STAFF], "/api/procedures/procedures/")
    assert {p["code"] for p in home} == {"1.004227", "1.001193"}
    other = get(users["other_staff"], "/api/procedures/procedures/")
    assert [p["code"] for p in other] == ["1.004227"] and other[0]["id"] == catalog["other"].pk
    processes = get(users[Role.ISO_SECRETARY], "/api/procedures/processes/")
    assert {p["agency"] for p in processes} == {"SNNMT"} and len(processes) == 2
    assert len(processes[0]["steps"]) in (2, 5)
    other_processes = get(users["other_staff"], "/api/procedures/processes/")
    assert [p["procedure"] for p in other_processes] == ["1.004227"]
    assert all(p["id"] != catalog["home"].processes.get().pk for p in other_processes)
