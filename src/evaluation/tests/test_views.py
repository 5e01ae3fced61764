import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from evaluation import services
from evaluation.models import AuditPlan

pytestmark = pytest.mark.django_db


def test_the_agencys_pages_answer_its_officials(client_as, team, plan, users):
    client = client_as(team["land_officer"])
    for url in (
        reverse("evaluation:audit_list"),
        plan.get_absolute_url(),
        plan.programme.get_absolute_url(),
        reverse("evaluation:question", args=[plan.items.first().pk]),
        reverse("evaluation:review_list"),
        reverse("evaluation:obligation_list"),
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(plan.get_absolute_url()).content.decode()
    assert 'data-testid="plan-edit"' not in page and 'data-testid="finding-form"' not in page  # staff only read


def test_another_tenant_sees_nothing(client_as, plan, users):
    client = client_as(users["other_staff"])
    assert client.get(plan.get_absolute_url()).status_code == 403
    assert client.get(reverse("evaluation:question", args=[plan.items.first().pk])).status_code == 403
    assert plan.number not in client.get(reverse("evaluation:audit_list")).content.decode()


def test_an_outside_auditor_gets_the_one_audit_in_their_list(client_as, team, plan, programme):
    client = client_as(team["advisor"])
    listing = client.get(reverse("evaluation:audit_list")).content.decode()
    assert plan.number in listing
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert client.get(programme.get_absolute_url()).status_code == 403  # the programme is not theirs
    AuditPlan.objects.filter(pk=plan.pk).update(
        start_on=plan.start_on.replace(day=1, month=1), end_on=plan.start_on.replace(day=1, month=1)
    )
    assert client.get(plan.get_absolute_url()).status_code == 403
    assert plan.number not in client.get(reverse("evaluation:audit_list")).content.decode()


def test_evidence_files_are_served_to_those_who_see_the_audit(client_as, team, plan, users):
    from weasyprint import HTML

    upload = SimpleUploadedFile("bang-chung.pdf", HTML(string="<p>x</p>").write_pdf(), content_type="application/pdf")
    evidence = services.add_evidence(team["advisor"], plan.items.first(), upload=upload)
    url = reverse("evaluation:evidence_file", args=[evidence.pk])
    response = client_as(team["secretary"]).get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert 'filename="bang-chung.pdf"' in response["Content-Disposition"]
    assert client_as(users["other_staff"]).get(url).status_code == 403


def test_a_closed_audit_offers_no_answers(client_as, team, plan):
    for item in plan.items.all():
        services.answer(team["quality_officer"], item, "conform")
    services.close_plan(team["secretary"], plan, "Phù hợp")
    client = client_as(team["quality_officer"])
    item = plan.items.first()
    page = client.get(reverse("evaluation:question", args=[item.pk])).content.decode()
    assert 'data-testid="answer-form"' not in page
    response = client.post(reverse("evaluation:question", args=[item.pk]), {"form": "answer", "result": "nonconform"})
    assert response.status_code == 403


def test_the_province_sees_the_agencies_behind_their_obligations(client_as, users, team, plan, land):
    client = client_as(users[Role.OVERSIGHT])
    page = client.get(reverse("evaluation:obligation_list"), {"attention": "1"}).content.decode()
    assert land.name in page
    home = client_as(users[Role.PROVINCIAL_VIEWER]).get("/").content.decode()
    assert 'data-testid="obligations-summary"' in home and 'data-testid="mandatory-no-audit"' in home


def test_the_pages_read_in_english(client_as, team, plan):
    client = client_as(team["secretary"])
    client.cookies["django_language"] = "en"
    page = client.get(plan.get_absolute_url(), headers={"accept-language": "en"}).content.decode()
    assert "Checklist" in page and "Findings" in page
