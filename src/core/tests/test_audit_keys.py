"""The keyed chain: a forger who rewrites an entry and re-hashes the rest of the chain with the project's own hash
function does not get a trail that verifies, unless they hold the key; then the anchors outside the database
catch it. Keys rotate inside the chain; the chains of before the keys are sealed by the migration."""

import importlib
import io
import types

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from accounts.roles import Role
from core import anchors, audit
from core.models import LEGACY_KEY_ID, AuditChainHead, AuditEntry
from core.tests.appendonly import guard_lifted
from organizations.models import Agency

pytestmark = pytest.mark.django_db

NEW_SECRET = "k2-secret-for-the-rotation-test-0123456789"


@pytest.fixture
def approved(province, users):
    """An entry with an approver (an agency head's change) and a few entries after it in the same chain."""
    agency = province["agencies"]["land"]
    with audit.acting_as(users[Role.AGENCY_HEAD]):
        agency.name = "Sở Nông nghiệp và Môi trường (đã duyệt)"
        agency.save()
    entry = AuditEntry.objects.for_object(agency).order_by("-seq").first()
    with audit.acting_as(users[Role.ISO_SECRETARY]):
        for agency in Agency.objects.filter(province=province["province"])[:3]:
            agency.name += " ."
            agency.save()
    assert entry.actor == users[Role.AGENCY_HEAD]
    return entry


def forge(entry, actor, rehash):
    """The attack of the issue, on the database itself: another approver (`actor`; None: unchanged), then every
    later entry re-hashed and re-linked with `rehash(entry)` (the project's own hash function), the chain head moved
    to the new last hash."""
    rows = models.QuerySet(AuditEntry)  # a plain queryset: the forger is not bound by the model's guard
    prev = entry.prev_hash
    with guard_lifted(connection):
        for e in AuditEntry.objects.filter(chain=entry.chain, seq__gte=entry.seq).order_by("seq"):
            if e.pk == entry.pk and actor is not None:
                e.actor_id, e.actor_name = actor.pk, actor.get_full_name()
            e.prev_hash = prev
            e.hash = rehash(e)
            rows.filter(pk=e.pk).update(
                actor_id=e.actor_id, actor_name=e.actor_name, prev_hash=e.prev_hash, hash=e.hash, key_id=e.key_id
            )
            prev = e.hash
        AuditChainHead.objects.filter(chain=entry.chain).update(last_hash=prev)


def as_before_the_keys(e):
    e.key_id = LEGACY_KEY_ID  # the plain SHA-256 the trail used before it was keyed
    return e.compute_hash()


def with_a_guessed_key(e):
    return e.compute_hash("a-guess-at-the-audit-key")


@pytest.mark.parametrize("rehash", [as_before_the_keys, with_a_guessed_key], ids=["plain-sha256", "guessed-key"])
def test_a_chain_forged_without_the_key_fails_verification(approved, users, rehash):
    assert audit.verify_chain(approved.chain) == []
    forge(approved, users[Role.STAFF], rehash)
    assert AuditEntry.objects.get(pk=approved.pk).actor == users[Role.STAFF]
    problems = audit.verify_chain(approved.chain)
    assert problems and any(f"#{approved.seq} " in p for p in problems)
    with pytest.raises(CommandError, match="bị can thiệp"):
        call_command("verify_audit_chain", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_chain_forged_with_the_key_is_caught_by_the_anchors(approved, users):
    anchors.write_anchor()  # the daily anchor, before the forgery
    forge(approved, users[Role.STAFF], lambda e: e.compute_hash())  # the key from the settings: the chain verifies
    assert audit.verify_chain(approved.chain) == []
    problems, read = anchors.verify_anchors()
    assert read == 1 and len(problems) == 1 and f"chuỗi {approved.chain}, mục #" in problems[0]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit_chain", stdout=io.StringIO(), stderr=err)
    assert "lịch sử bị ghi lại" in err.getvalue()


def test_an_intact_trail_verifies_against_its_anchors(approved):
    anchors.write_anchor()
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert "Nhật ký nguyên vẹn" in out.getvalue() and "khớp 1 mốc" in out.getvalue()


def test_a_key_rotation_is_recorded_in_the_chain(province, users, settings):
    chain = str(province["province"].pk)
    old_id = audit.current_key()[0]
    anchors.write_anchor()
    settings.EISO = {**settings.EISO, "AUDIT_KEYS": {**settings.EISO["AUDIT_KEYS"], "k2": NEW_SECRET}}
    agency = province["agencies"]["science"]
    with audit.acting_as(users[Role.OVERSIGHT]):
        agency.name = "Sở Khoa học và Công nghệ (mới)"
        agency.save()
        agency.save(update_fields=["name"])  # no change, no entry
        agency.name = "Sở Khoa học và Công nghệ"
        agency.save()
    rotation, first, second = AuditEntry.objects.filter(chain=chain).order_by("-seq")[:3][::-1]
    assert rotation.action == AuditEntry.Action.KEY_ROTATION and rotation.key_id == "k2"
    assert rotation.changes == {"key_id": [old_id, "k2"]} and NEW_SECRET not in str(rotation.payload())
    assert rotation.actor is None and rotation.object_id == chain and rotation.province_id == province["province"].pk
    assert first.key_id == second.key_id == "k2" and first.prev_hash == rotation.hash
    assert AuditChainHead.objects.get(chain=chain).key_id == "k2"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.KEY_ROTATION).count() == 1  # once, not per entry
    assert audit.verify_chain(chain) == []
    assert anchors.verify_anchors() == ([], 1)  # the anchor signed with the retired key still holds
    # the retired key is needed to verify the entries it signed: named, not a generic "altered"
    settings.EISO = {**settings.EISO, "AUDIT_KEYS": {"k2": NEW_SECRET}}
    problems = audit.verify_chain(chain)
    assert problems and all(f"“{old_id}” mà EISO_AUDIT_KEYS không có" in p for p in problems)
    assert len(problems) == rotation.seq - 1


def test_a_key_change_outside_a_rotation_entry_is_refused(province, settings):
    """Someone holding only a new key cannot append to the chain without the rotation the chain expects."""
    chain = str(province["province"].pk)
    settings.EISO = {**settings.EISO, "AUDIT_KEYS": {**settings.EISO["AUDIT_KEYS"], "k2": NEW_SECRET}}
    last = AuditEntry.objects.filter(chain=chain).order_by("-seq").first()
    forge(last, None, rekey("k2"))
    assert any(f"#{last.seq} đổi khóa ký mà không qua mục đổi khóa" in p for p in audit.verify_chain(chain))


def rekey(key_id):
    def rehash(e):
        e.key_id = key_id
        return e.compute_hash()

    return rehash


def test_chains_of_before_the_keys_are_sealed_by_the_migration(province, users):
    chain = str(province["province"].pk)
    first = AuditEntry.objects.filter(chain=chain).order_by("seq").first()
    forge(first, None, as_before_the_keys)  # the trail as it was before the upgrade: plain SHA-256
    AuditChainHead.objects.filter(chain=chain).update(key_id=LEGACY_KEY_ID)
    assert any("không mục nào được ký bằng khóa" in p for p in audit.verify_chain(chain))
    seal = importlib.import_module("core.migrations.0004_seal_legacy_chains").seal
    seal(apps, types.SimpleNamespace(connection=connection))
    head = AuditChainHead.objects.get(chain=chain)
    sealed = AuditEntry.objects.get(chain=chain, seq=head.seq)
    assert sealed.action == AuditEntry.Action.KEY_ROTATION and sealed.changes == {"key_id": ["", "dev"]}
    assert audit.verify_chain(chain) == []
    # the next entry is signed with the key, with no second rotation
    agency = province["agencies"]["root"]
    with audit.acting_as(users[Role.OVERSIGHT]):
        agency.name += " ."
        agency.save()
    assert AuditEntry.objects.filter(chain=chain, action=AuditEntry.Action.KEY_ROTATION).count() == 1
    assert AuditEntry.objects.for_object(agency).order_by("-seq").first().key_id == "dev"
    assert audit.verify_chain(chain) == []
    # the legacy entries are covered by the seal's HMAC: rewriting one of them means re-hashing the seal and every
    # later entry, which without the key leaves no keyed entry in the chain
    legacy = AuditEntry.objects.get(chain=chain, seq=2)
    assert legacy.key_id == LEGACY_KEY_ID
    forge(legacy, users[Role.STAFF], as_before_the_keys)
    assert any("không mục nào được ký bằng khóa" in p for p in audit.verify_chain(chain))
