import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    history breaks the chain from that entry on; `manage.py verify_audit_chain` finds it.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Tạo mới")
        UPDATE = "update", _("Cập nhật")
        DELETE = "delete", _("Xóa")
        TRANSITION = "transition", _("Chuyển trạng thái")
        EVENT = "event", _("Sự kiện")

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

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["-timestamp", "-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def payload(self):
        """The canonical content the hash covers."""
        return {
            "chain": self.chain,
            "seq": self.seq,
            "timestamp": self.timestamp.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "content_type": self.content_type_id,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "agency": self.agency_id,
            "province": self.province_id,
            "changes": self.changes,
            "comment": self.comment,
            "prev": self.prev_hash,
        }

    def compute_hash(self):
        # Round-trip through JSON so the value hashed is exactly what the database stores.
        canonical = json.dumps(
            json.loads(json.dumps(self.payload(), cls=DjangoJSONEncoder)),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditChainHead(models.Model):
    """The last entry of each chain; locked while an entry is appended, so the chain stays linear."""

    chain = models.CharField(max_length=32, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

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
