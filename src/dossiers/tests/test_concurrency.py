"""Two imports for the same agency at the same time apply each event once (the per-agency lock)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from dossiers import services
from dossiers.engine import EventProcessor
from dossiers.models import Dossier, DossierEvent, MonthlyStat
from dossiers.services import events

from .conftest import T0, receive_row, row

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers itself (IMMEDIATE transactions)"
    ),
]


def in_two_threads(work):
    """Run `work` in two threads, each with its own connection; their results, once both succeeded."""
    results, failures = [], []

    def run():
        try:
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    return results


def test_concurrent_imports_of_the_same_file_store_and_count_everything_once(catalog, province):
    land = province["agencies"]["land"]
    rows = []
    for i in range(300):
        code, t = f"C-{i:03d}", T0 + dt.timedelta(minutes=7 * i)
        rows += [
            receive_row(code, t),
            row(code, f"{code}-2", "transfer", t + dt.timedelta(hours=1), step="review"),
            row(code, f"{code}-3", "return", t + dt.timedelta(days=3)),
        ]
    numbered = list(enumerate(rows, start=2))
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        return EventProcessor(land).process_batch(numbered)

    results = in_two_threads(run)
    assert sorted((r.stored, r.duplicates, len(r.errors)) for r in results) == [(0, 900, 0), (900, 0, 0)]
    assert DossierEvent.objects.count() == 900 and Dossier.objects.count() == 300
    assert Dossier.objects.filter(status="returned").count() == 300
    stats = MonthlyStat.objects.all()
    assert sum(s.received for s in stats) == 300 and sum(s.completed for s in stats) == 300
    incremental = sorted(stats.values_list("procedure_id", "month", "received", "completed", "on_time", "late"))
    services.rebuild_monthly_stats()
    assert (
        sorted(MonthlyStat.objects.values_list("procedure_id", "month", "received", "completed", "on_time", "late"))
        == incremental
    )


def test_two_desks_receiving_at_the_same_moment_get_two_codes(catalog, province, users, monkeypatch):
    """Each desk reads the day's highest number; without the agency's lock both would read the same one and the
    second receipt would be refused as a duplicate code. The barrier holds the first desk after it has chosen its
    code: with the lock the second desk is still waiting for it, so the barrier times out and the first goes on."""
    from accounts.roles import Role

    land = province["agencies"]["land"]
    staff = users[Role.STAFF]
    chosen = services.next_dossier_code
    barrier = threading.Barrier(2, timeout=3)

    def next_code(agency, day=None):
        code = chosen(agency, day)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return code

    monkeypatch.setattr(events, "next_dossier_code", next_code)  # the module whose receive_dossier calls it

    codes = [
        d.code
        for d in in_two_threads(
            lambda: services.receive_dossier(
                land, staff, procedure_code=catalog["home"].code, applicant_name="Võ Thị Sáu"
            )
        )
    ]
    assert len(set(codes)) == 2 and sorted(c[-4:] for c in codes) == ["0001", "0002"]
