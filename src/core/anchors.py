"""Anchors of the audit trail outside the database: each chain's head (chain, seq, hash, key id, time) written every
day to a storage the application cannot rewrite (a folder under var/, or an object-storage bucket with retention),
signed with the audit key.

Someone who holds the database and the key can rewrite a chain so that it verifies; the anchors written before
still name the old hash of each anchored entry, so `verify_anchors` (part of `manage.py verify_audit_chain`) finds
the rewrite. One file per local day (`2026-03-14.json`); anchoring again the same day rewrites that day's file, and
leaves it untouched when no chain moved. `latest_anchors()` gives the anchors a report shows (the yearly report).
"""

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
from collections import defaultdict

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import AuditChainHead, AuditEntry

FORMAT = "eiso-audit-anchor/1"
NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.json")


@dataclasses.dataclass(frozen=True)
class Head:
    """One chain's last entry at the time of anchoring."""

    chain: str
    seq: int
    hash: str
    key_id: str
    timestamp: dt.datetime


@dataclasses.dataclass(frozen=True)
class Anchor:
    """One day's anchor file: the heads, and whether its signature holds ("" when it does, else the reason)."""

    day: dt.date
    heads: tuple[Head, ...]
    key_id: str
    problem: str = ""


@dataclasses.dataclass(frozen=True)
class Written:
    name: str
    written: bool  # False: that day's file already held exactly these heads
    chains: int


def anchor_storage() -> Storage:
    return storages[settings.EISO["AUDIT_ANCHOR_STORAGE"]]


def _signature(body: dict, secret: str) -> str:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    canonical = json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def current_heads(using: str = "default") -> list[Head]:
    """Each chain's last entry, as the entries themselves say (not the head table)."""
    chains = set(AuditChainHead.objects.using(using).values_list("chain", flat=True))
    chains |= set(AuditEntry.objects.using(using).values_list("chain", flat=True).distinct())
    heads = []
    for chain in sorted(chains):
        last = AuditEntry.objects.using(using).filter(chain=chain).order_by("-seq").first()
        if last is not None:
            heads.append(Head(chain, last.seq, last.hash, last.key_id, last.timestamp))
    return heads


def write_anchor(day: dt.date | None = None, using: str = "default") -> Written:
    """Write the chains' heads as the anchor of `day` (today, local time); idempotent for the same heads."""
    day = day or timezone.localdate()
    key_id, secret = audit.current_key()
    heads = [{**dataclasses.asdict(h), "timestamp": h.timestamp.isoformat()} for h in current_heads(using)]
    body = {"format": FORMAT, "date": day.isoformat(), "heads": heads, "key_id": key_id}
    body["signature"] = _signature(body, secret)
    content = (json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    storage, name = anchor_storage(), f"{day.isoformat()}.json"
    if storage.exists(name):
        with storage.open(name, "rb") as existing:
            if existing.read() == content:
                return Written(name, False, len(heads))
        storage.delete(name)  # today's anchor, superseded (object storage with versioning keeps the old version)
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        raise RuntimeError(f"The anchor storage saved {saved} instead of {name}.")
    return Written(name, True, len(heads))


def _read(storage: Storage, name: str, day: dt.date) -> Anchor:
    keys, shown = settings.EISO.get("AUDIT_KEYS") or {}, f"{day:%d/%m/%Y}"
    try:
        with storage.open(name, "rb") as file:
            body = json.loads(file.read())
        heads = tuple(
            Head(h["chain"], int(h["seq"]), h["hash"], h["key_id"], dt.datetime.fromisoformat(h["timestamp"]))
            for h in body["heads"]
        )
        key_id, signature = body["key_id"], body["signature"]
    except (OSError, ValueError, KeyError, TypeError):
        return Anchor(day, (), "", _("Mốc %(day)s: không đọc được tệp %(name)s") % {"day": shown, "name": name})
    secret = keys.get(key_id)
    if secret is None:
        problem = _("Mốc %(day)s: ký bằng khóa “%(key)s” mà EISO_AUDIT_KEYS không có") % {"day": shown, "key": key_id}
    elif body.get("date") != day.isoformat() or not hmac.compare_digest(_signature(body, secret), signature):
        problem = _("Mốc %(day)s: chữ ký không đúng (tệp mốc đã bị sửa)") % {"day": shown}
    else:
        problem = ""
    return Anchor(day, heads, key_id, problem)


def anchors(on_or_before: dt.date | None = None) -> list[Anchor]:
    """Every stored anchor (up to a day), oldest first."""
    storage = anchor_storage()
    try:
        _dirs, files = storage.listdir("")
    except FileNotFoundError:  # no anchor written yet
        return []
    days = sorted((dt.date.fromisoformat(m[1]), m[0]) for m in map(NAME.fullmatch, files) if m)
    return [_read(storage, name, day) for day, name in days if on_or_before is None or day <= on_or_before]


def latest_anchors(on_or_before: dt.date | None = None) -> Anchor | None:
    """The latest anchor written on or before a day (e.g. 31/12 for the yearly report); None when there is none."""
    stored = anchors(on_or_before)
    return stored[-1] if stored else None


def verify_anchors(using: str = "default") -> tuple[list[str], int]:
    """Check the entries against every stored anchor: (problems, anchors read). An anchored entry that is missing
    or whose hash differs means history was removed or rewritten after it was anchored."""
    stored = anchors()
    problems = [a.problem for a in stored if a.problem]
    anchored = defaultdict(list)  # chain -> [(day, head)]
    for anchor in stored:
        for head in anchor.heads:
            anchored[head.chain].append((anchor.day, head))
    for chain, heads in sorted(anchored.items()):
        seqs = sorted({head.seq for _day, head in heads})
        found = dict(
            AuditEntry.objects.using(using).filter(chain=chain, seq__any=seqs).values_list("seq", "hash").order_by()
        )
        for day, head in heads:
            at = {"day": f"{day:%d/%m/%Y}", "chain": chain, "seq": head.seq}
            if head.seq not in found:
                problems.append(_("Mốc %(day)s: chuỗi %(chain)s không còn mục #%(seq)s đã neo") % at)
            elif found[head.seq] != head.hash:
                problems.append(_("Mốc %(day)s: chuỗi %(chain)s, mục #%(seq)s khác với mốc (lịch sử bị ghi lại)") % at)
    return problems, len(stored)
