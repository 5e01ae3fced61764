"""Previews of uploaded DOCX files: requested when a version's file is stored or first shown, rendered once by the
task worker (`tasks.render_preview` calls `render_preview`) and stored; the version page serves the stored HTML and
never converts on request. A failure is stored and shown; a render lost with its worker is tried again, at most
PREVIEW_ATTEMPTS times in all."""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import files
from ..models import DocumentPreview, DocumentVersion

logger = logging.getLogger(__name__)
PREVIEW_ATTEMPTS = 3
# A preview still pending this long after it was requested lost its task (the worker died): it is requested again.
PREVIEW_STALE_AFTER = dt.timedelta(minutes=15)
P = DocumentPreview.Status


def needs_preview(version: DocumentVersion) -> bool:
    """Only a DOCX is converted; a PDF is shown by the browser, written content rendered on the page (bounded)."""
    return version.file_kind == DocumentVersion.FileKind.DOCX and bool(version.file)


def preview_of(version: DocumentVersion) -> DocumentPreview | None:
    """The stored preview of the version's current file, if any (one rendered from an earlier file is not)."""
    preview = DocumentPreview.objects.filter(version_id=version.pk).first()
    return preview if preview is not None and preview.file_sha256 == version.file_sha256 else None


def _restart(preview: DocumentPreview, version: DocumentVersion, now: dt.datetime) -> None:
    preview.file_sha256, preview.status, preview.html, preview.error = version.file_sha256, P.PENDING, "", ""
    preview.truncated, preview.shown_chars, preview.attempts = False, 0, 0
    preview.requested_at, preview.rendered_at = now, None


@transaction.atomic
def request_preview(version: DocumentVersion) -> bool:
    """Make sure the version's DOCX gets a preview of its current file. True when the caller should enqueue
    `tasks.render_preview` (none is stored nor on its way); False when there is nothing to do."""
    if not needs_preview(version) or not version.pk:
        return False
    now = timezone.now()
    preview = DocumentPreview.objects.select_for_update().filter(version_id=version.pk).first()
    if preview is None:
        try:
            with transaction.atomic():
                DocumentPreview.objects.create(version=version, file_sha256=version.file_sha256, requested_at=now)
        except IntegrityError:  # another request created it a moment ago and enqueued its render
            return False
        return True
    if preview.file_sha256 != version.file_sha256:
        _restart(preview, version, now)
        preview.save()
        return True
    if preview.is_finished or now - preview.requested_at < PREVIEW_STALE_AFTER:
        return False
    if preview.attempts >= PREVIEW_ATTEMPTS:
        preview.status, preview.rendered_at = P.FAILED, now
        preview.error = _("Không tạo được bản xem trước sau %(n)s lần thử; tải tệp gốc để xem.") % {
            "n": preview.attempts
        }
        preview.save(update_fields=["status", "error", "rendered_at"])
        return False
    preview.requested_at = now
    preview.save(update_fields=["requested_at"])
    return True


def render_preview(version_id: int) -> DocumentPreview | None:
    """Convert the version's DOCX to its bounded HTML preview and store it (the task worker runs this). Idempotent:
    a preview already rendered from the same file is returned as it is, a failure is not retried."""
    version = DocumentVersion.objects.filter(pk=version_id).select_related("document").first()
    if version is None or not needs_preview(version):
        return None
    preview, _created = DocumentPreview.objects.get_or_create(
        version=version, defaults={"file_sha256": version.file_sha256}
    )
    if preview.file_sha256 == version.file_sha256 and preview.is_finished:
        return preview
    if preview.file_sha256 != version.file_sha256:
        _restart(preview, version, timezone.now())
        preview.save()
    # Counted before converting: a conversion that kills its worker is not tried for ever.
    DocumentPreview.objects.filter(pk=preview.pk).update(attempts=F("attempts") + 1)
    preview.refresh_from_db(fields=["attempts"])
    name = version.original_name or f"{version.document.code}.docx"
    try:
        with version.file.open("rb") as handle:
            data = handle.read(files.max_upload_bytes() + 1)
        result = files.docx_preview(data, name)
    except ValidationError as exc:
        preview.status, preview.error = P.FAILED, "; ".join(exc.messages)[:500]
    except OSError:
        preview.status, preview.error = P.FAILED, _("Không đọc được tệp nội dung.")
    except Exception as exc:  # a converter's error is stored and shown, never left pending
        logger.exception("preview of document version %s failed", version.pk)
        preview.status = P.FAILED
        preview.error = (_("Lỗi khi tạo bản xem trước (%(detail)s).") % {"detail": type(exc).__name__})[:500]
    else:
        preview.status, preview.html, preview.error = P.READY, result.html, ""
        preview.truncated, preview.shown_chars = result.truncated, result.shown_chars
    preview.rendered_at = timezone.now()
    preview.save()
    return preview


def copy_preview(source: DocumentVersion, target: DocumentVersion) -> DocumentPreview | None:
    """A new revision that starts from the same file gets the same preview (no second conversion)."""
    preview = preview_of(source)
    if preview is None or preview.status != P.READY or target.file_sha256 != source.file_sha256:
        return None
    preview.pk, preview.id, preview.version = None, None, target
    preview.save(force_insert=True)
    return preview


def discard_stale_preview(version: DocumentVersion) -> None:
    """Drop a preview that no longer matches the version's file (the file was replaced or removed)."""
    stale = DocumentPreview.objects.filter(version_id=version.pk)
    if needs_preview(version):
        stale = stale.exclude(file_sha256=version.file_sha256)
    stale.delete()


def render_missing_previews(*, versions: QuerySet[DocumentVersion] | None = None) -> int:
    """Render, here and now, every DOCX version without a preview of its current file (existing data after an
    upgrade: `manage.py render_previews`; the demo loader). Returns how many were rendered."""
    rendered = 0
    queryset = versions if versions is not None else DocumentVersion.objects.all()
    for version in queryset.filter(file_kind=DocumentVersion.FileKind.DOCX).exclude(file="").order_by("pk"):
        done = preview_of(version)
        if done is not None and done.is_finished:
            continue
        request_preview(version)
        render_preview(version.pk)
        rendered += 1
    return rendered


def preview_max_chars() -> int:
    return int(settings.EISO.get("DOCUMENT_PREVIEW_MAX_CHARS", 100_000))
