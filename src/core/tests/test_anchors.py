"""The daily anchors of the audit chains outside the database: one signed file per day, idempotent, scheduled."""

import datetime as dt
import json

import pytest
from django.core.files.base import ContentFile

from core import anchors, audit, tasks
from core.models import AuditEntry
from core.tests.scheduling import fire_times, job_for, tick

pytestmark = pytest.mark.django_db


def stored_files():
    return sorted(anchors.anchor_storage().listdir("")[1])


def test_the_anchor_names_each_chain_head_and_is_signed(province):
    written = anchors.write_anchor(dt.date(2026, 3, 14))
    assert written.written and written.name == "2026-03-14.json" and stored_files() == ["2026-03-14.json"]
    anchor = anchors.latest_anchors()
    assert anchor.day == dt.date(2026, 3, 14) and anchor.problem == "" and anchor.key_id == audit.current_key()[0]
    expected = {}
    for chain in AuditEntry.objects.values_list("chain", flat=True).distinct():
        last = AuditEntry.objects.filter(chain=chain).order_by("-seq").first()
        expected[chain] = (last.seq, last.hash, last.timestamp)
    assert {h.chain: (h.seq, h.hash, h.timestamp) for h in anchor.heads} == expected
    assert written.chains == len(expected) >= 2  # the two provinces of the fixture


def test_anchoring_twice_the_same_day_changes_nothing(province):
    first = anchors.write_anchor()
    with anchors.anchor_storage().open(first.name, "rb") as file:
        content = file.read()
    again = anchors.write_anchor()
    assert again.name == first.name and not again.written
    with anchors.anchor_storage().open(first.name, "rb") as file:
        assert file.read() == content
    # a new entry the same day: the same file, now naming the new head
    agency = province["agencies"]["land"]
    agency.name += " (mới)"
    agency.save()
    third = anchors.write_anchor()
    assert third.written and third.name == first.name and stored_files() == [first.name]
    head = AuditEntry.objects.filter(chain=str(province["province"].pk)).order_by("-seq").first()
    assert (head.seq, head.hash) in {(h.seq, h.hash) for h in anchors.latest_anchors().heads}
    assert anchors.verify_anchors() == ([], 1)


def test_latest_anchors_up_to_a_day_for_the_yearly_report(province):
    anchors.write_anchor(dt.date(2025, 12, 30))
    agency = province["agencies"]["land"]
    agency.name += " (2026)"
    agency.save()
    anchors.write_anchor(dt.date(2026, 1, 2))
    chain = str(province["province"].pk)
    year_end = anchors.latest_anchors(on_or_before=dt.date(2025, 12, 31))
    latest = anchors.latest_anchors()
    assert year_end.day == dt.date(2025, 12, 30) and latest.day == dt.date(2026, 1, 2)
    seq = {a.day: next(h.seq for h in a.heads if h.chain == chain) for a in (year_end, latest)}
    assert seq[latest.day] == seq[year_end.day] + 1
    assert anchors.latest_anchors(on_or_before=dt.date(2025, 1, 1)) is None
    assert [a.day for a in anchors.anchors()] == [dt.date(2025, 12, 30), dt.date(2026, 1, 2)]


def test_an_altered_or_foreign_anchor_file_is_reported(province, settings):
    name = anchors.write_anchor(dt.date(2026, 3, 14)).name
    storage = anchors.anchor_storage()
    with storage.open(name, "rb") as file:
        body = json.loads(file.read())
    body["heads"][0]["seq"] += 1
    storage.delete(name)
    storage.save(name, ContentFile(json.dumps(body).encode()))
    storage.save("2026-03-15.json", ContentFile(b"not json"))
    storage.save("notes.txt", ContentFile(b"not an anchor"))  # ignored
    problems, read = anchors.verify_anchors()
    assert read == 2
    assert any("Mốc 14/03/2026: chữ ký không đúng" in p for p in problems)
    assert any("Mốc 15/03/2026: không đọc được" in p for p in problems)
    settings.EISO = {**settings.EISO, "AUDIT_KEYS": {"k9": "another-key-0123456789-0123456789"}}
    assert any("“dev” mà EISO_AUDIT_KEYS không có" in p for p in anchors.verify_anchors()[0])


def test_removed_entries_are_found_through_the_anchor(province):
    from core.tests.test_audit import _tamper

    anchors.write_anchor()
    chain = str(province["province"].pk)
    last = AuditEntry.objects.filter(chain=chain).order_by("-seq").first()
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [last.pk])
    day = anchors.latest_anchors().day
    assert anchors.verify_anchors()[0] == [f"Mốc {day:%d/%m/%Y}: chuỗi {chain} không còn mục #{last.seq} đã neo"]


def test_the_anchors_are_written_daily_late_in_the_evening():
    job = job_for(tasks.anchor_audit_chains)
    assert fire_times(job, dt.date(2026, 3, 2)) == ["23:50"]
    assert fire_times(job, dt.date(2026, 3, 8)) == ["23:50"]  # Sundays too: the trail does not rest


def test_a_scheduler_tick_writes_the_anchor(province, monkeypatch):
    assert tick(job_for(tasks.anchor_audit_chains), monkeypatch) == ["core.tasks.anchor_audit_chains"]
    assert stored_files() == [anchors.latest_anchors().day.isoformat() + ".json"]
