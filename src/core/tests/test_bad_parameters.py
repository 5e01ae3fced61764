"""Bad query parameters on every list page and API list endpoint: never a server error, never an unbounded answer.

Found by a new user: `?limit=9223372036854775808` answered 500 on the API lists, `?field=<a huge number>` on the
dossier list, a non-numeric id on an object's history; `next=` of the acknowledgement form redirected off-site."""

import pytest

from accounts.models import Role

PAGES = [
    "/",
    "/audit/",
    "/accounts/users/",
    "/agencies/",
    "/procedures/",
    "/dossiers/",
    "/dossiers/warnings/",
    "/dossiers/imports/",
    "/dossiers/analytics/",
    "/dossiers/analytics.xlsx",
    "/documents/",
    "/documents/in-force/",
    "/documents/needs-review/",
    "/documents/reading/",
    "/documents/notifications/",
    "/documents/records/",
    "/documents/templates/",
    "/calendar/",
]
API_LISTS = [
    "/api/organizations/agencies/",
    "/api/procedures/procedures/",
    "/api/procedures/processes/",
    "/api/dossiers/dossiers/",
    "/api/dossiers/imports/",
    "/api/documents/documents/",
]
HUGE = "9223372036854775808"
BAD_VALUES = ["abc", HUGE, "-1", "99999999999999999999999999", "1.5", "%00", "đ"]
PARAMETERS = [
    *["page", "q", "field", "agency", "status", "late", "mine", "year", "kind", "state", "limit", "offset", "action"],
    *["after", "before", "from"],  # the keyset pages of the long lists (core.pagination)
]


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return as_user


@pytest.mark.parametrize("role", [Role.OVERSIGHT, Role.ISO_SECRETARY])
def test_no_page_or_api_list_answers_a_server_error_to_bad_parameters(users, login, role):
    client = login(users[role])
    client.raise_request_exception = False
    failures = []
    for url in PAGES + API_LISTS:
        # Every parameter bad at once for each bad value, then each parameter alone with a number too large.
        queries = [dict.fromkeys(PARAMETERS, value) for value in BAD_VALUES] + [{name: HUGE} for name in PARAMETERS]
        for query in queries:
            status = client.get(url, query).status_code
            if status >= 500:
                failures.append((url, query, status))
    assert failures == []


def test_api_pages_are_bounded(users, login, province):
    from organizations.models import Agency

    client = login(users[Role.OVERSIGHT])
    visible = Agency.objects.filter(province=province["province"]).count()
    from core.api import Pagination

    for limit in (HUGE, 300000):
        answer = client.get("/api/organizations/agencies/", {"limit": limit}).json()
        assert answer["count"] == visible and len(answer["results"]) == min(visible, Pagination.max_limit)
    assert client.get("/api/organizations/agencies/", {"offset": HUGE}).json()["results"] == []
    assert Pagination.max_limit <= 1000


def test_object_history_of_a_bad_id_is_not_found(users, login):
    from django.contrib.contenttypes.models import ContentType

    from documents.models import Document

    client = login(users[Role.OVERSIGHT])
    ct = ContentType.objects.get_for_model(Document).pk
    assert client.get(f"/audit/{ct}/abc/").status_code == 404
    assert client.get("/audit/999999/1/").status_code == 404
    import_ct = ContentType.objects.get(app_label="dossiers", model="importjob").pk
    assert client.get(f"/audit/{import_ct}/not-a-uuid/").status_code == 404
    assert client.get("/api/dossiers/imports/x/errors/").status_code in (400, 404)


def _cursor(values):
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


CURSORS = [
    _cursor(v)
    for v in (
        [],
        [1],
        ["x", "y", "z", "w"],
        [None, 1],
        [{"a": 1}, 1],
        [True, 1],
        ["2026-01-01T00:00:00+00:00", 1.5],
        ["2026-01-01T00:00:00+00:00", 10**30],
        ["9999-12-31T23:59:59+00:00", -(2**63)],
        ["2026-01-01T00:00:00+00:00", "1\x00"],
        ["a", "x", "b", 2],
        ["Sở", "99", "\x00", 1],
    )
] + ["", "=", "not base64!", "A" * 2000]


@pytest.mark.parametrize("role", [Role.PROVINCIAL_VIEWER, Role.STAFF])
def test_keyset_lists_ignore_cursors_they_did_not_write(users, login, role):
    """Cursors of the right form but the wrong content (types, lengths, values out of range, NUL): the first page and a
    message, never an error page."""
    client = login(users[role])
    client.raise_request_exception = False
    failures = []
    for url in ("/dossiers/", "/documents/", "/audit/"):
        for name in ("after", "before"):
            for cursor in CURSORS:
                response = client.get(url, {name: cursor})
                if response.status_code != 200 or (cursor and "không hợp lệ" not in response.content.decode()):
                    failures.append((url, name, cursor, response.status_code))
    assert failures == []
