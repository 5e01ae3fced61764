"""The append-only, hash-chained audit trail.

Controlled records inherit `AuditedModel`: every create, update and delete through the ORM writes
an entry with the before/after values of the fields that changed. Services record workflow
transitions and other events explicitly with `record()`. The acting user comes from the request
(`AuditActorMiddleware`) or from `acting_as(user)` in commands and tasks; a service that takes the acting
user is decorated with `@atomic_as_user`, so its writes are attributed to that user whoever calls it.
"""

import contextvars
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry

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


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return DjangoJSONEncoder().default(value) if not isinstance(value, (list, dict)) else value


def field_values(instance: models.Model) -> dict[str, Any]:
    """The audited field values of an instance, keyed by attribute name (FKs as ids).

    Deferred fields (`.only()`/`.defer()`) are left out: reading them would query the database
    for every row, and from `from_db` it would recurse.
    """
    exclude = set(getattr(instance, "audit_exclude", ())) | instance.get_deferred_fields()
    return {
        f.attname: _jsonable(getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.attname not in exclude and not isinstance(f, models.AutoField)
    }


def _scope_of(obj: models.Model) -> tuple[int | None, int | None]:
    """(agency_id, province_id) the entry belongs to, for tenancy filtering and chain choice."""
    agency = obj.audit_agency() if hasattr(obj, "audit_agency") else getattr(obj, "agency", None)
    if agency is None:
        # Province-wide records (e.g. the procedure catalog) name their province directly.
        return None, getattr(obj, "audit_province_id", None)
    return agency.pk, agency.province_id


def record(
    obj: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
    comment: str = "",
    actor: "User | AnonymousUser | None" = None,
) -> AuditEntry:
    """Append an entry for `obj` to its province's chain; returns the entry."""
    actor = actor if actor is not None else current_actor()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    agency_id, province_id = _scope_of(obj)
    chain = str(province_id) if province_id else SYSTEM_CHAIN
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(chain=chain)
        head = AuditChainHead.objects.select_for_update().get(chain=chain)
        entry = AuditEntry(
            chain=chain,
            seq=head.seq + 1,
            timestamp=timezone.now(),
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
            prev_hash=head.last_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
        head.seq, head.last_hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "last_hash"])
    return entry


def verify_chain(chain: str, using: str = "default") -> list[str]:
    """Recompute a chain (in the database `using`); returns a list of problems (empty when intact)."""
    problems = []
    prev_hash, expected_seq = "0" * 64, 1
    for entry in AuditEntry.objects.using(using).filter(chain=chain).order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            problems.append(f"chain {chain}: entry #{expected_seq} is missing (found #{entry.seq})")
        if entry.prev_hash != prev_hash:
            problems.append(f"chain {chain}: entry #{entry.seq} does not link to the previous entry")
        if entry.compute_hash() != entry.hash:
            problems.append(f"chain {chain}: entry #{entry.seq} was altered after it was written")
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    head = AuditChainHead.objects.using(using).filter(chain=chain).first()
    if head and (head.seq != expected_seq - 1 or head.last_hash != prev_hash):
        problems.append(f"chain {chain}: entries after #{expected_seq - 1} were removed")
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
        instance._audit_before = field_values(instance)
        return instance


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
