"""The append-only, hash-chained audit trail.

Controlled records inherit `AuditedModel`: every create, update and delete through the ORM writes
an entry with the before/after values of the fields that changed. Services record workflow
transitions and other events explicitly with `record()`. The acting user comes from the request
(`AuditActorMiddleware`) or from `acting_as(user)` in commands and tasks; a service that takes the acting
user is decorated with `@atomic_as_user`, so its writes are attributed to that user whoever calls it.

Each entry's hash is an HMAC-SHA256 with a key from the environment (settings.EISO["AUDIT_KEYS"], the last one
current), chained to the previous entry's hash: rewriting an entry means re-signing every later one, which takes
the key. When the current key changes, the next entry of each chain is preceded by a "key rotation" entry signed
with the new key that names the old and the new key ids, so a change of key is itself in the chain. The chains'
heads are also written outside the database every day (`core.anchors`), which catches a rewrite by someone who
holds the key but not the anchor store.
"""

import contextvars
import datetime as dt
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import LEGACY_KEY_ID, ZERO_HASH, AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

_actor = contextvars.ContextVar("eiso_audit_actor", default=None)
SYSTEM_CHAIN = "system"


@contextmanager
def acting_as(user: "User | None") -> Iterator[None]:
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> "User | None":
    return _actor.get()


def atomic_as_user[**P, R](
    func: Callable[P, R] | None = None, *, param: str = "user"
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a service that takes the acting user (argument `param`): one transaction, and every audited write in
    it attributed to that user, whoever calls it (a request, a task, the demo loader, a test)."""

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(service)

        @functools.wraps(service)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            user = signature.bind_partial(*args, **kwargs).arguments.get(param)
            with transaction.atomic(), acting_as(user if user is not None else current_actor()):
                return service(*args, **kwargs)

        return wrapper

    return decorate(func) if func is not None else decorate


_ENCODER = DjangoJSONEncoder()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
        return value
    return _ENCODER.default(value)


@functools.cache
def _audited_attnames(model: type[models.Model]) -> tuple[str, ...]:
    """The attribute names of a model's audited fields (FKs as ids): concrete, not the key, not `audit_exclude`."""
    exclude = set(getattr(model, "audit_exclude", ()))
    return tuple(
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in exclude and not isinstance(f, models.AutoField)
    )


def _audited_values(loaded: Mapping[str, Any], model: type[models.Model]) -> dict[str, Any]:
    return {name: _jsonable(loaded[name]) for name in _audited_attnames(model) if name in loaded}


def field_values(instance: models.Model) -> dict[str, Any]:
    """The audited field values of an instance, keyed by attribute name (FKs as ids).

    Deferred fields (`.only()`/`.defer()`: not in the instance's `__dict__`) are left out: reading them would query
    the database for every row, and from `from_db` it would recurse.
    """
    return _audited_values(instance.__dict__, type(instance))


def _scope_of(obj: models.Model) -> tuple[int | None, int | None]:
    """(agency_id, province_id) the entry belongs to, for tenancy filtering and chain choice."""
    agency = obj.audit_agency() if hasattr(obj, "audit_agency") else getattr(obj, "agency", None)
    if agency is None:
        # Province-wide records (e.g. the procedure catalog) name their province directly.
        return None, getattr(obj, "audit_province_id", None)
    return agency.pk, agency.province_id


def audit_keys() -> dict[str, str]:
    """The configured keys by id, in order: the last one signs new entries."""
    keys = settings.EISO.get("AUDIT_KEYS") or {}
    if not keys:
        raise ImproperlyConfigured("EISO_AUDIT_KEYS names no key: the audit trail cannot be signed.")
    return keys


def current_key() -> tuple[str, str]:
    """(key id, secret) of the key new entries are signed with."""
    return list(audit_keys().items())[-1]


def _append(head: AuditChainHead, key: tuple[str, str], **fields: Any) -> AuditEntry:
    """Write the next entry of the locked `head`'s chain, signed with `key`; moves the head (not saved)."""
    entry = AuditEntry(chain=head.chain, seq=head.seq + 1, prev_hash=head.last_hash, key_id=key[0], **fields)
    entry.hash = entry.compute_hash(key[1])
    entry.save(force_insert=True)
    head.seq, head.last_hash, head.key_id = entry.seq, entry.hash, entry.key_id
    return entry


def record(
    obj: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
    comment: str = "",
    actor: "User | AnonymousUser | None" = None,
) -> AuditEntry:
    """Append an entry for `obj` to its province's chain (after a key rotation entry when the current key is not
    the one the chain's last entry was signed with); returns the entry."""
    actor = actor if actor is not None else current_actor()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    agency_id, province_id = _scope_of(obj)
    chain = str(province_id) if province_id else SYSTEM_CHAIN
    key = current_key()
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(chain=chain)
        head = AuditChainHead.objects.select_for_update().get(chain=chain)
        now = timezone.now()
        if head.seq and head.key_id != key[0]:
            _append(head, key, **rotation_fields(head, key[0], now, province_id))
        entry = _append(
            head,
            key,
            timestamp=now,
            actor=actor,
            actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
            action=action,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj)[:300],
            agency_id=agency_id,
            province_id=province_id,
            changes=changes or {},
            comment=comment,
        )
        head.save(update_fields=["seq", "last_hash", "key_id"])
    return entry


def rotation_fields(head: AuditChainHead, new_key_id: str, now: dt.datetime, province_id: int | None) -> dict[str, Any]:
    """A key rotation entry: the chain's head is its object, its change the old and the new key id (never a secret).
    (migrations/0004 writes the same entry with historical models.)"""
    return {
        "timestamp": now,
        "actor": None,
        "actor_name": "",
        "action": AuditEntry.Action.KEY_ROTATION,
        "content_type": ContentType.objects.get_for_model(AuditChainHead),
        "object_id": head.chain,
        "object_repr": head.chain,
        "agency_id": None,
        "province_id": province_id,
        "changes": {"key_id": [head.key_id, new_key_id]},
        "comment": "",
    }


def verify_chain(chain: str, using: str = "default") -> list[str]:
    """Recompute a chain (in the database `using`) with the configured keys; returns a list of problems (empty
    when intact). Unkeyed (legacy) entries are accepted only before the chain's first keyed entry, and a chain
    must hold a keyed entry (the migration to keys sealed every older chain with one); the key changes only at a
    key rotation entry naming the old and the new key id."""
    keys = settings.EISO.get("AUDIT_KEYS") or {}
    problems = []
    prev_hash, expected_seq, key_id, keyed = ZERO_HASH, 1, None, False
    for entry in AuditEntry.objects.using(using).filter(chain=chain).order_by("seq").iterator(chunk_size=2000):
        at = {"chain": chain, "seq": entry.seq, "key": entry.key_id, "expected": expected_seq}
        if entry.seq != expected_seq:
            problems.append(_("Chuỗi %(chain)s: thiếu mục #%(expected)s (gặp #%(seq)s)") % at)
        if entry.prev_hash != prev_hash:
            problems.append(_("Chuỗi %(chain)s: mục #%(seq)s không nối với mục trước") % at)
        legacy = entry.key_id == LEGACY_KEY_ID
        names_the_change = entry.changes == {"key_id": [key_id, entry.key_id]}
        rotation = entry.action == AuditEntry.Action.KEY_ROTATION and names_the_change
        if legacy and keyed:
            problems.append(_("Chuỗi %(chain)s: mục #%(seq)s không được ký bằng khóa, sau các mục đã ký") % at)
        elif key_id is not None and entry.key_id != key_id and not rotation:
            problems.append(_("Chuỗi %(chain)s: mục #%(seq)s đổi khóa ký mà không qua mục đổi khóa") % at)
        secret = None if legacy else keys.get(entry.key_id)
        if not legacy and secret is None:
            problems.append(
                _("Chuỗi %(chain)s: mục #%(seq)s được ký bằng khóa “%(key)s” mà EISO_AUDIT_KEYS không có") % at
            )
        elif entry.compute_hash(secret) != entry.hash:
            problems.append(_("Chuỗi %(chain)s: mục #%(seq)s đã bị sửa sau khi ghi") % at)
        keyed = keyed or not legacy
        prev_hash, expected_seq, key_id = entry.hash, entry.seq + 1, entry.key_id
    at = {"chain": chain, "seq": expected_seq - 1}
    if expected_seq > 1 and not keyed:
        problems.append(_("Chuỗi %(chain)s: không mục nào được ký bằng khóa (chuỗi đã bị ghi lại không có khóa)") % at)
    head = AuditChainHead.objects.using(using).filter(chain=chain).first()
    if head and (head.seq != expected_seq - 1 or head.last_hash != prev_hash):
        problems.append(_("Chuỗi %(chain)s: các mục sau #%(seq)s đã bị xóa") % at)
    return problems


class AuditedModel(models.Model):
    """Base for controlled records: ORM changes are written to the audit trail automatically."""

    audit_exclude = ("search_key", "sort_key")

    class Meta:
        abstract = True

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Sequence[str], values: Sequence[Any], *args: Any, **kwargs: Any
    ) -> Self:
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        # The values as loaded, kept as they are (a copy of the instance's dict): every record a page lists passes
        # here, and few are saved; their audited snapshot is made from this copy when a save asks for it.
        instance.__dict__["_audit_loaded"] = instance.__dict__.copy()
        return instance

    @property
    def _audit_before(self) -> dict[str, Any]:
        """The audited values as loaded (or as last saved): what a save is compared with. AttributeError for a record
        never loaded nor saved."""
        state = self.__dict__
        if "_audit_snapshot" not in state:
            if "_audit_loaded" not in state:
                raise AttributeError("_audit_before")
            state["_audit_snapshot"] = _audited_values(state.pop("_audit_loaded"), type(self))
        return state["_audit_snapshot"]

    @_audit_before.setter
    def _audit_before(self, values: dict[str, Any]) -> None:
        self.__dict__.pop("_audit_loaded", None)
        self.__dict__["_audit_snapshot"] = values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Changed fields; a field missing from `before` (deferred when loaded) counts only on creation."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def on_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    after = field_values(instance)
    before = {} if created else getattr(instance, "_audit_before", {})
    changes = diff(before, after)
    if changes or created:
        record(instance, AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE, changes)
    instance._audit_before = after


def on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if isinstance(instance, AuditedModel):
        before = field_values(instance)
        record(instance, AuditEntry.Action.DELETE, {k: [v, None] for k, v in before.items()})
