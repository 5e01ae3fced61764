"""Seal every chain written before the trail was keyed: a key rotation entry, signed with the current key, names the
old (legacy: plain SHA-256) and the new key id. The legacy entries stay as they were; the seal's HMAC covers their
last hash, so rewriting any of them takes the key. `core.audit.verify_chain` accepts legacy entries only before a
chain's first keyed entry and refuses a chain without one, so a chain re-hashed without the key does not verify.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations
from django.utils import timezone

from core.models import entry_hash  # a plain function of the stored fields; verification depends on it staying so


def seal(apps, schema_editor):
    Entry = apps.get_model("core", "AuditEntry")
    Head = apps.get_model("core", "AuditChainHead")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    heads = list(Head.objects.using(db).filter(seq__gt=0, key_id=""))
    if not heads:
        return
    keys = settings.EISO.get("AUDIT_KEYS") or {}
    if not keys:
        raise ImproperlyConfigured("EISO_AUDIT_KEYS names no key: the audit chains cannot be sealed.")
    key_id, secret = list(keys.items())[-1]
    head_type, _ = ContentType.objects.using(db).get_or_create(app_label="core", model="auditchainhead")
    now = timezone.now()
    for head in heads:
        last = Entry.objects.using(db).get(chain=head.chain, seq=head.seq)
        entry = Entry(
            chain=head.chain,
            seq=head.seq + 1,
            timestamp=now,
            actor_name="",
            action="key_rotation",
            content_type=head_type,
            object_id=head.chain,
            object_repr=head.chain,
            agency_id=None,
            province_id=last.province_id if head.chain != "system" else None,
            changes={"key_id": ["", key_id]},
            comment="",
            prev_hash=head.last_hash,
            key_id=key_id,
        )
        entry.hash = entry_hash(entry, secret)
        entry.save(using=db, force_insert=True)
        Head.objects.using(db).filter(chain=head.chain).update(seq=entry.seq, last_hash=entry.hash, key_id=key_id)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_keys"), ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
