"""Who may act on a dossier in the web UI, and in which order: the holder hands over; the head or the ISO secretary
may act for an absent holder with a reason (the control sheet names both); steps are not skipped; the result is
returned only after the leader's step."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from dossiers import services
from dossiers.models import Dossier, DossierEvent

from .conftest import receive_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(province):
    return User.objects.create_user(
        username="colleague",
        password="x",
        role=Role.STAFF,
        last_name="Lâm",
        first_name="Thanh Yến",
        agency=province["agencies"]["land"],
    )


@pytest.fixture
def held(catalog, province, colleague):
    """A dossier just received at the one-stop desk, held by a colleague of `staff`."""
    land = province["agencies"]["land"]
    services.push_event(
        land,
        receive_row(
            "HS-9", at=timezone.now() - dt.timedelta(hours=1), to_username="colleague", to_name="Lâm Thanh Yến"
        ),
    )
    return Dossier.objects.get(code="HS-9")


def test_only_the_holder_hands_over(held, users, colleague):
    with pytest.raises(ValidationError, match="Chỉ người đang giữ hồ sơ"):
        services.web_event(held, users[Role.STAFF], "transfer", step="transfer", to_username="staff")
    assert held.events.count() == 1
    services.web_event(held, colleague, "transfer", step="transfer", to_username="staff", to_name="Nguyễn staff")
    held.refresh_from_db()
    assert held.holder == users[Role.STAFF] and held.current_step == "transfer"


def test_the_head_acts_for_an_absent_holder_with_a_reason(held, users, client_as):
    head = users[Role.AGENCY_HEAD]
    with pytest.raises(ValidationError, match="cần ghi rõ lý do"):
        services.web_event(held, head, "transfer", step="transfer", to_username="staff")
    services.web_event(
        held, head, "transfer", step="transfer", to_username="staff", to_name="Nguyễn staff", note="Người giữ nghỉ ốm"
    )
    event = held.events.order_by("-occurred_at", "-id").first()
    assert (event.from_name, event.on_behalf_of, event.note) == (
        head.get_full_name(),
        "Lâm Thanh Yến",
        "Người giữ nghỉ ốm",
    )
    sheet = client_as(head).get(f"/dossiers/{held.pk}/control-sheet/").content.decode()
    assert f"{head.get_full_name()}" in sheet and "thay mặt Lâm Thanh Yến" in sheet


def test_steps_are_not_skipped_and_going_back_needs_a_reason(held, colleague):
    with pytest.raises(ValidationError, match="Không được chuyển hồ sơ đến bước"):
        services.web_event(held, colleague, "transfer", step="review", to_username="colleague")
    services.web_event(held, colleague, "transfer", step="receive", to_username="colleague")  # same step: a colleague
    services.web_event(held, colleague, "transfer", step="transfer", to_username="colleague")
    with pytest.raises(ValidationError, match="Trả hồ sơ về bước trước cần ghi rõ lý do"):
        services.web_event(held, colleague, "transfer", step="receive", to_username="colleague")
    services.web_event(held, colleague, "transfer", step="receive", to_username="colleague", note="Thiếu giấy tờ")
    held.refresh_from_db()
    assert held.current_step == "receive" and held.events.count() == 4


def test_the_result_is_returned_only_after_the_leaders_step(held, colleague, users):
    for step in ("transfer", "review"):
        services.web_event(held, colleague, "transfer", step=step, to_username="colleague")
    with pytest.raises(ValidationError, match="Chưa thể trả kết quả"):
        services.web_event(held, colleague, "return")
    services.web_event(held, colleague, "transfer", step="approve", to_username="head", to_name="Nguyễn head")
    head = users[Role.AGENCY_HEAD]
    held = services.web_event(held, head, "return")
    assert held.status == "returned"
    assert DossierEvent.objects.filter(dossier=held, kind="return", completed_step="approve").exists()


def test_the_head_holding_a_dossier_at_his_step_can_act_and_sees_it_at_home(held, colleague, users, client_as):
    for step in ("transfer", "review", "approve"):
        services.web_event(
            held, colleague, "transfer", step=step, to_username="head" if step == "approve" else "colleague"
        )
    client = client_as(users[Role.AGENCY_HEAD])
    page = client.get(f"/dossiers/{held.pk}/").content.decode()
    assert 'data-testid="handover-form"' in page and 'data-testid="return-submit"' in page
    assert 'data-testid="acting-for"' not in page
    home = client.get("/").content.decode()
    assert "Hồ sơ chờ tôi ký, phê duyệt" in home and "HS-9" in home
    # and the analytics panel of the agency is still there
    assert "Tỷ lệ" in home or "đúng hạn" in home
    client.post(f"/dossiers/{held.pk}/action/return/", {})
    held.refresh_from_db()
    assert held.status == "returned"


def test_a_colleague_who_does_not_hold_the_dossier_sees_no_action_panel(held, users, client_as):
    page = client_as(users[Role.STAFF]).get(f"/dossiers/{held.pk}/").content.decode()
    assert 'data-testid="handover-form"' not in page
    response = client_as(users[Role.STAFF]).post(f"/dossiers/{held.pk}/action/return/", {}, follow=True)
    assert "Chỉ người đang giữ hồ sơ" in response.content.decode()
    assert Dossier.objects.get(pk=held.pk).status == "processing"


def test_the_hand_over_form_offers_only_the_allowed_steps(held, colleague, client_as):
    page = client_as(colleague).get(f"/dossiers/{held.pk}/").content.decode()
    assert 'value="transfer"' in page and 'value="review"' not in page


def test_home_counts_link_to_the_filtered_list(held, users, client_as, colleague):
    Dossier.objects.filter(pk=held.pk).update(due_at=timezone.now() + dt.timedelta(hours=2))
    client = client_as(colleague)
    home = client.get("/").content.decode()
    assert "?mine=1&amp;late=soon" in home and "1 sắp đến hạn" in home and "0 quá hạn" in home
    listed = client.get("/dossiers/?mine=1&late=soon").content.decode()
    assert "HS-9" in listed
    Dossier.objects.filter(pk=held.pk).update(due_at=timezone.now() + dt.timedelta(days=20))
    assert "HS-9" not in client.get("/dossiers/?mine=1&late=soon").content.decode()


def test_the_mine_filter_is_offered_to_holders_only(held, users, colleague, client_as):
    assert "Tôi đang giữ" in client_as(colleague).get("/dossiers/").content.decode()
    assert "Tôi đang giữ" not in client_as(users[Role.STAFF]).get("/dossiers/").content.decode()
    assert "Tôi đang giữ" not in client_as(users[Role.OVERSIGHT]).get("/dossiers/").content.decode()


def test_the_province_wide_list_names_the_agency_and_filters_by_it(held, users, client_as, province):
    client = client_as(users[Role.OVERSIGHT])
    page = client.get("/dossiers/").content.decode()
    assert 'data-testid="agency-filter"' in page and 'data-testid="dossier-agency"' in page
    assert province["agencies"]["land"].name in page
    other = client.get(f"/dossiers/?agency={province['agencies']['science'].pk}").content.decode()
    assert "HS-9" not in other
