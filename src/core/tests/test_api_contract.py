"""The API keeps its contract: schemathesis generates requests from /api/schema/ for every operation (the coverage
phase: boundary and invalid values of each parameter and field; then a few random ones) and sends them as each kind of
caller: a session of each role, an agency's software with its bearer token, and whatever credentials schemathesis
made up (none, a wrong token). No answer may be a server error, and every answer must be one the schema declares: its
status code, its content type and its body.

A random valid request goes to every caller (what each may see and do differs); the others (boundary values, invalid
requests) to one caller, picked from the request itself. Bounded and reproducible: derandomized, no deadline, few
random examples per operation, the schema loaded from the app in-process (WSGI) when the test runs, inside the test's
transaction. Select it with `-m contract`."""

import datetime as dt
import zlib

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.generation import GenerationMode

from accounts.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.contract]

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
ROLES = [Role.STAFF, Role.ISO_SECRETARY, Role.AGENCY_HEAD, Role.OVERSIGHT, Role.PROVINCIAL_VIEWER]
T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def world(users, province, settings, tmp_path):
    """A little of each kind of object, made by the services."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services as documents
    from dossiers import services as dossiers
    from dossiers import tasks as dossier_tasks
    from dossiers.models import IntegrationToken
    from procedures.models import AdminProcedure, Field
    from procedures.services import save_process

    settings.MEDIA_ROOT = tmp_path
    land = province["agencies"]["land"]
    secretary, head = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD]
    procedure = AdminProcedure.objects.create(
        province=province["province"],
        code="1.004227",
        field=Field.objects.create(code="dat-dai", name="Đất đai"),
        level="provincial",
        name="Đăng ký biến động quyền sử dụng đất",
        processing_days=10,
    )
    procedure.agencies.add(land)
    process = save_process(
        procedure,
        land,
        [
            {"code": "receive", "name": "Tiếp nhận", "responsible_unit": "Một cửa", "days": "0,5"},
            {"code": "review", "name": "Thẩm định", "responsible_unit": "Phòng Đăng ký", "days": "9,5"},
        ],
    )
    draft = documents.create_document(
        agency=land, user=secretary, code="QT-01", title="Quy trình kiểm soát tài liệu", doc_type="procedure", body="x"
    )
    policy = documents.create_document(
        agency=land, user=secretary, code="CSCL", title="Chính sách chất lượng", doc_type="policy", body="Minh bạch."
    )
    for actor, action in ((secretary, "submit"), (head, "review"), (head, "approve"), (head, "issue")):
        documents.transition(policy.versions.get(), actor, action)
    receive = {"event": "receive", "procedure_code": "1.004227", "applicant_name": "Trần Văn Bình", "to_name": "Lê"}
    dossiers.push_event(land, {"event_id": "1", "dossier_code": "HS-001", "occurred_at": T0, **receive})
    dossiers.push_event(
        land,
        {"event_id": "2", "dossier_code": "HS-001", "event": "transfer", "occurred_at": T0, "step": "review"},
    )
    csv = (
        "Mã sự kiện,Mã hồ sơ,Loại sự kiện,Thời điểm,Bước,Người nhận,Mã thủ tục,Người nộp\n"
        "I1,HS-7,Tiếp nhận,02/03/2026 08:30,receive,Lê Hoa,1.004227,Trần Văn Bảy\n"
        "I2,HS-404,Chuyển xử lý,02/03/2026 09:30,review,,,\n"
    )
    job = dossier_tasks.start_import(land, SimpleUploadedFile("mot-cua.csv", csv.encode()), secretary)
    _token, raw = IntegrationToken.issue(land, "Phần mềm một cửa", secretary)
    # Real objects for the path parameters: a generated id is nearly always a 404.
    known = {
        "/api/organizations/agencies/": {"id": land.pk},
        "/api/procedures/procedures/": {"id": procedure.pk},
        "/api/procedures/processes/": {"id": process.pk},
        "/api/documents/documents/": {"id": draft.pk},
        "/api/dossiers/dossiers/": {"code": "HS-001"},
        "/api/dossiers/imports/": {"id": job.pk},
    }
    # An event the engine takes (then a duplicate, then one for a dossier already returned): HS-001 returned.
    returned = {"dossier_code": "HS-001", "event": "return", "occurred_at": "2026-03-03T10:00:00+07:00"}
    return {"token": raw, "path_parameters": known, "event": {**returned, "to_username": "", "procedure_code": ""}}


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    """Every caller sends a few hundred requests within seconds, some with a wrong token on purpose."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "100000/min"}}
    settings.EISO = {**settings.EISO, "API_AUTH_FAILURES": 100000}


@pytest.fixture
def app():
    """Django's WSGI application, run as the test client runs it: the end of a request does not close the database
    connection (on PostgreSQL that would end the test's transaction; SQLite's in-memory database is never closed)."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield WSGIHandler()
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    schema.config.phases.update(phases=["coverage", "fuzzing"])  # (the schema has no examples of its own)
    schema.config.analysis.constants.enabled = False  # literals from the source: slow to gather, and `world` has them

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Half of the generated path parameters are replaced by a real object's."""
        path = context.operation.path
        real = next((params for prefix, params in world["path_parameters"].items() if path.startswith(prefix)), None)
        if not real or path_parameters is None:
            return st.just(path_parameters)
        return st.sampled_from([path_parameters, {**path_parameters, **real}])

    @schema.hook
    def flatmap_body(context, body):
        """Half of the events pushed are one the engine takes (a random one never is): the answer's body is checked."""
        if context.operation.path != "/api/dossiers/events/" or not isinstance(body, dict):
            return st.just(body)
        return st.sampled_from([body, {**body, **world["event"]}])

    return schema


def session_of(user):
    """The cookies and headers of a browser session of this user: the CSRF pair lets it POST, and a bearer token the
    case may carry is left out."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    csrf = get_random_string(32)
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}
    return cookies, {"X-CSRFToken": csrf, "Authorization": ""}


@pytest.fixture
def callers(world, users):
    """Each kind of caller as (cookies, headers) that replace the case's: a session per role, the agency's software
    with its token (and no session), and the credentials schemathesis made up itself (none, a wrong token, ...)."""
    kinds = {str(role): session_of(users[role]) for role in ROLES}
    kinds["token"] = ({"sessionid": "", "csrftoken": ""}, {"Authorization": f"Bearer {world['token']}"})
    kinds["as generated"] = ({}, {})
    return kinds


def callers_of(case, callers):
    """Every caller for a random valid request (what each may see and do differs); for the others (the boundary
    values of the coverage phase, invalid requests), one caller picked from the request itself: reproducible."""
    meta = case.meta
    if meta is not None and meta.phase.name.value == "fuzzing" and meta.generation.mode == GenerationMode.POSITIVE:
        return list(callers)
    request = repr((case.method, case.formatted_path, case.query, case.body, case.headers, case.cookies))
    return [list(callers)[zlib.crc32(request.encode()) % len(callers)]]


@pytest.fixture(autouse=True)
def _node_id(request):
    """schemathesis 4.32's `from_fixture` reads and rewrites `node._nodeid` (to name each operation's subtest), which
    pytest 9.2 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
# Health checks off: the database and the callers are the test's (function-scoped fixtures, on purpose), and a request
# through the whole stack is slower than Hypothesis likes.
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract_for_every_caller(case, callers):
    for kind in callers_of(case, callers):
        cookies, headers = callers[kind]
        # The caller is named in the request, so a failure's "Reproduce with" says who sent it.
        case.call_and_validate(headers={**headers, "X-Test-Caller": kind}, cookies=cookies, checks=CHECKS)
