import hashlib
import hmac
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

# The key id of the entries written before the trail was keyed (plain SHA-256); core.audit.verify_chain accepts it
# only before a chain's first keyed entry.
LEGACY_KEY_ID = ""
ZERO_HASH = "0" * 64


def entry_payload(entry) -> dict:
    """The canonical content an entry's hash covers (a plain function: migrations call it on historical models)."""
    payload = {
        "chain": entry.chain,
        "seq": entry.seq,
        "timestamp": entry.timestamp.isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "content_type": entry.content_type_id,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "agency": entry.agency_id,
        "province": entry.province_id,
        "changes": entry.changes,
        "comment": entry.comment,
        "prev": entry.prev_hash,
    }
    if entry.key_id != LEGACY_KEY_ID:
        payload["key"] = entry.key_id  # a legacy entry's payload stays what it was hashed as
    return payload


def entry_hash(entry, secret: str | None) -> str:
    """HMAC-SHA256 of the payload with `secret` (the key named by `entry.key_id`); plain SHA-256 for a legacy entry."""
    # Round-trip through JSON so the value hashed is exactly what the database stores.
    canonical = json.dumps(
        json.loads(json.dumps(entry_payload(entry), cls=DjangoJSONEncoder)),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    if entry.key_id == LEGACY_KEY_ID:
        return hashlib.sha256(canonical).hexdigest()
    if not secret:
        raise ValueError(f"no secret for the audit key {entry.key_id!r}")
    return hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest()


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk UPDATE and DELETE refused: rows of an append-only table are written once."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only.")


class AppendOnlyModel(models.Model):
    """Base for append-only records (the audit trail, dossier events): saved once, never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


class AuditEntryQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj):
        from django.contrib.contenttypes.models import ContentType

        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditEntry(AppendOnlyModel):
    """One append-only entry of the audit trail, hash-chained to the previous entry of its chain.

    A chain is kept per province (the natural shard key), so tampering anywhere in a province's
    history breaks the chain from that entry on; `manage.py verify_audit_chain` finds it. The hash is
    an HMAC with the key `key_id` names (settings.EISO["AUDIT_KEYS"], from the environment): without
    the key no one can write a chain that verifies.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Tạo mới")
        UPDATE = "update", _("Cập nhật")
        DELETE = "delete", _("Xóa")
        TRANSITION = "transition", _("Chuyển trạng thái")
        EVENT = "event", _("Sự kiện")
        KEY_ROTATION = "key_rotation", _("Đổi khóa ký nhật ký")

    chain = models.CharField(_("chuỗi"), max_length=32, db_index=True)
    seq = models.PositiveBigIntegerField(_("số thứ tự"))
    timestamp = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("người thực hiện"), max_length=150, blank=True)
    action = models.CharField(_("hành động"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(_("đối tượng"), max_length=300)
    agency_id = models.BigIntegerField(_("cơ quan"), null=True, blank=True, db_index=True)
    province_id = models.BigIntegerField(_("tỉnh"), null=True, blank=True, db_index=True)
    changes = models.JSONField(_("thay đổi"), default=dict, encoder=DjangoJSONEncoder)
    comment = models.TextField(_("ghi chú"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(_("khóa ký"), max_length=16, blank=True, default=LEGACY_KEY_ID)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["-timestamp", "-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            # The audit log, newest first, of a province or of an agency (keyset pagination seeks in these).
            models.Index(fields=["province_id", "timestamp", "id"], name="audit_province_time"),
            models.Index(fields=["agency_id", "timestamp", "id"], name="audit_agency_time"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def payload(self):
        """The canonical content the hash covers."""
        return entry_payload(self)

    def compute_hash(self, secret=None):
        """The entry's hash with `secret`, by default the configured key its `key_id` names."""
        if secret is None and self.key_id != LEGACY_KEY_ID:
            secret = settings.EISO["AUDIT_KEYS"].get(self.key_id)
        return entry_hash(self, secret)


class AuditChainHead(models.Model):
    """The last entry of each chain; locked while an entry is appended, so the chain stays linear."""

    chain = models.CharField(_("chuỗi"), max_length=32, primary_key=True)
    seq = models.PositiveBigIntegerField(_("số thứ tự"), default=0)
    last_hash = models.CharField(max_length=64, default=ZERO_HASH)
    key_id = models.CharField(_("khóa ký"), max_length=16, blank=True, default=LEGACY_KEY_ID)

    class Meta:
        verbose_name = _("chuỗi nhật ký")
        verbose_name_plural = _("chuỗi nhật ký")

    def __str__(self):
        return f"{self.chain} #{self.seq}"


class CalendarOverride(models.Model):
    """A day whose status the government changed for a year: a swapped day off or a make-up working day."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ (hoán đổi)")
        WORKING_DAY = "working_day", _("Ngày làm việc bù")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("căn cứ, ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ngày hoán đổi")
        verbose_name_plural = _("ngày hoán đổi")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"
