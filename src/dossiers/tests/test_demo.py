"""The demo's dossiers are exactly what the engine makes of their events: a sample is replayed through the engine's
reference path (row by row) under new codes, and every state field is compared."""

import random

import pytest
from django.core.management import call_command

from accounts.models import User
from dossiers.engine import EventProcessor
from dossiers.models import Dossier, DossierEvent

from .state import EVENT_FIELDS as EVENT
from .state import STATE_FIELDS as STATE

pytestmark = pytest.mark.django_db


def test_demo_dossiers_are_what_the_engine_makes_of_their_events(tmp_path, monkeypatch):
    call_command("load_demo", stdout=open(tmp_path / "out.txt", "w"))
    monkeypatch.setattr(EventProcessor, "columns", False)  # the reference rules
    rng = random.Random(7)
    open_ids = list(Dossier.objects.open().values_list("pk", flat=True))
    held = list(Dossier.objects.open().filter(holder__isnull=False).values_list("pk", flat=True))
    done = list(Dossier.objects.filter(completed_at__isnull=False).values_list("pk", flat=True))
    picked = set(rng.sample(open_ids, min(100, len(open_ids)))) | set(held[:30]) | set(rng.sample(done, 200))
    sample = Dossier.objects.filter(pk__in=picked).select_related("agency", "procedure")
    by_agency = {}
    for d in sample:
        by_agency.setdefault(d.agency, []).append(d)
    assert sum(1 for d in sample if d.is_open) > 10 and sum(1 for d in sample if d.holder_id) > 0
    for agency, dossiers in by_agency.items():
        # events keep the recipient's name, not his login: the accounts of the agency by full name
        logins = {u.get_full_name(): u.username for u in User.objects.filter(agency=agency)}
        rows = []
        for d in dossiers:
            for e in d.events.order_by("occurred_at", "id"):
                rows.append(
                    (
                        len(rows) + 1,
                        {
                            "event_id": e.external_id,
                            "dossier_code": f"{d.code}-R",
                            "event": e.kind,
                            "occurred_at": e.occurred_at,
                            "step": e.step,
                            "from_name": e.from_name,
                            "to_name": e.to_name,
                            "to_unit": e.to_unit,
                            "to_username": logins.get(e.to_name, "") if e.kind != "return" else "",
                            "procedure_code": d.procedure.code,
                            "applicant_name": d.applicant_name,
                            "note": e.note,
                        },
                    )
                )
        result = EventProcessor(agency, DossierEvent.Source.IMPORT).process_batch(rows)
        assert result.errors == []
        for d in dossiers:
            replayed = Dossier.objects.get(agency=agency, code=f"{d.code}-R")
            assert {f: getattr(replayed, f) for f in STATE} == {f: getattr(d, f) for f in STATE}, d.code
            mine = list(d.events.order_by("occurred_at", "id").values_list(*EVENT))
            again = list(replayed.events.order_by("occurred_at", "id").values_list(*EVENT))
            assert again == mine, d.code
    # every open dossier's holder is the recipient of its last hand-over
    for d in Dossier.objects.open().only("pk", "holder_name")[:3000]:
        last = d.events.exclude(kind="supplement_request").order_by("-occurred_at", "-id").first()
        assert d.holder_name == last.to_name, d.pk

    # and the demo's procedures cite the law of their own field (a land procedure cited the civil-status law)
    from procedures.models import AdminProcedure

    land = AdminProcedure.objects.filter(field__name="Đất đai")
    civil = AdminProcedure.objects.filter(field__name="Hộ tịch")
    assert land.exists() and civil.exists()
    assert not land.exclude(legal_basis__contains="Luật Đất đai").exists()
    assert not land.filter(legal_basis__contains="Hộ tịch").exists()
    assert not civil.exclude(legal_basis__contains="Luật Hộ tịch").exists()
    assert not AdminProcedure.objects.filter(legal_basis="").exists()
