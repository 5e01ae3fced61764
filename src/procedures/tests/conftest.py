import pytest


@pytest.fixture
def land_field(db):
    from procedures.models import Field

    return Field.objects.create(code="dat-dai", name="Đất đai")


@pytest.fixture
def procedure(province, land_field):
    from procedures.models import AdminProcedure

    p = AdminProcedure.objects.create(
        province=province["province"],
        code="1.004227",
        field=land_field,
        name="Đăng ký biến động quyền sử dụng đất",
        level="provincial",
        processing_days=10,
    )
    p.agencies.add(province["agencies"]["land"])
    return p


@pytest.fixture
def client_as(client):
    """Log a user in. (src/conftest.py's client_for uses force_login without a backend, which picks
    RoleBackend — an authorization-only backend that cannot load users — so its sessions are empty.)"""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login
