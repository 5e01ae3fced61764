"""Zip-based files (DOCX, XLSX, any upload that is a zip) checked before anything reads them: a 172 KB DOCX whose
text inflated to 40 MB was accepted and tied up a worker (the upload limit applied to the compressed size).

`check_zip` reads the central directory first (entry count, total uncompressed size, each entry's compression
ratio) and refuses without inflating a byte; then it inflates every entry through a bounded stream, counting what
comes out, so an entry whose header lies about its size (or whose data does not match its CRC) is refused too.
Python's zipfile stops an entry at the size the central directory declares and checks its CRC; the libraries that
read these files afterwards (python-docx, mammoth, openpyxl) go through zipfile, so the declared sizes checked here
bound what they can inflate. Limits are `settings.EISO` values (EISO_ZIP_* in deploy/eiso.env).
"""

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MB = 1024 * 1024
CHUNK = 1 << 20
# An entry this small is never refused for its ratio alone (small XML parts of an office file compress well and
# cannot do harm: the total and the entry count bound them).
RATIO_GRACE_BYTES = 1 * MB


@dataclass(frozen=True)
class ZipLimits:
    max_total_bytes: int  # sum of the entries' uncompressed sizes
    max_ratio: float  # uncompressed / compressed size of one entry
    max_entries: int

    @classmethod
    def for_uploads(cls) -> "ZipLimits":
        """Documents and any other upload read whole (DOCX): settings ZIP_MAX_UNCOMPRESSED_MB, ZIP_MAX_RATIO,
        ZIP_MAX_ENTRIES."""
        return cls._from_settings("ZIP_MAX_UNCOMPRESSED_MB", 50)

    @classmethod
    def for_imports(cls) -> "ZipLimits":
        """XLSX imports, read as a stream row by row (a year's export of the one-stop-shop software inflates to
        gigabytes at an ordinary ratio of 15-20): a larger total, the same ratio and entry count."""
        return cls._from_settings("IMPORT_ZIP_MAX_UNCOMPRESSED_MB", 4000)

    @classmethod
    def _from_settings(cls, total_key: str, total_default: float) -> "ZipLimits":
        eiso = settings.EISO
        return cls(
            max_total_bytes=int(float(eiso.get(total_key, total_default)) * MB),
            max_ratio=float(eiso.get("ZIP_MAX_RATIO", 100)),
            max_entries=int(eiso.get("ZIP_MAX_ENTRIES", 10_000)),
        )


@dataclass(frozen=True)
class ZipSummary:
    entries: int
    total_bytes: int  # uncompressed
    compressed_bytes: int
    names: frozenset[str]


def _number(value: float) -> str:
    """One decimal at most, none when whole (50 MB, 12,5 MB, 100:1)."""
    value = round(value, 1)
    return number_format(value, 0 if value == int(value) else 1, force_grouping=True)


def _mb(size: float) -> str:
    return _number(size / MB)


def _damaged(name: str, kind: str) -> ValidationError:
    return ValidationError(
        _(
            "Tệp “%(name)s” bị hỏng hoặc không đọc được (không phải tệp %(kind)s hợp lệ): mở tệp bằng phần mềm "
            "đã tạo ra nó, lưu lại rồi tải lên lại."
        )
        % {"name": name, "kind": kind},
        code="zip_damaged",
    )


def _too_large(name: str, total: int, limit: int) -> ValidationError:
    return ValidationError(
        _(
            "Tệp “%(name)s” khi giải nén có dung lượng %(size)s MB, vượt giới hạn %(limit)s MB; tệp không được nhận. "
            "Hãy giảm dung lượng (bớt hình ảnh, chia nhỏ tài liệu) rồi tải lên lại."
        )
        % {"name": name, "size": _mb(total), "limit": _mb(limit)},
        code="zip_too_large",
    )


def _open(source: bytes | BinaryIO, name: str, kind: str) -> zipfile.ZipFile:
    fileobj = io.BytesIO(source) if isinstance(source, bytes | bytearray | memoryview) else source
    try:
        fileobj.seek(0)
        return zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise _damaged(name, kind) from exc


def check_directory(archive: zipfile.ZipFile, name: str, limits: ZipLimits) -> ZipSummary:
    """The limits against the central directory alone: nothing is inflated."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ValidationError(
            _("Tệp “%(name)s” chứa %(count)s thành phần, vượt giới hạn %(limit)s thành phần; tệp không được nhận.")
            % {
                "name": name,
                "count": number_format(len(infos), force_grouping=True),
                "limit": number_format(limits.max_entries, force_grouping=True),
            },
            code="zip_entries",
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        raise _too_large(name, total, limits.max_total_bytes)
    for info in infos:
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ValidationError(
                _(
                    "Tệp “%(name)s” có thành phần “%(entry)s” nén với tỷ lệ %(ratio)s:1 (%(size)s MB khi giải nén), "
                    "vượt giới hạn %(limit)s:1: đây là dấu hiệu của tệp “bom nén”; tệp không được nhận."
                )
                % {
                    "name": name,
                    "entry": info.filename[:100],
                    "ratio": number_format(info.file_size // max(info.compress_size, 1), force_grouping=True),
                    "size": _mb(info.file_size),
                    "limit": _number(limits.max_ratio),
                },
                code="zip_ratio",
            )
    return ZipSummary(
        entries=len(infos),
        total_bytes=total,
        compressed_bytes=sum(info.compress_size for info in infos),
        names=frozenset(info.filename for info in infos),
    )


class OverBudget(Exception):  # noqa: N818 (a signal between these functions, never shown)
    """More bytes came out of an entry than the caller's budget allows."""

    def __init__(self, produced: int) -> None:
        super().__init__(produced)
        self.produced = produced


def iter_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, name: str = "", kind: str = "ZIP"
) -> Iterator[bytes]:
    """The inflated bytes of one entry in chunks, never more than its declared size nor than `budget`; a header that
    lies (more data than declared, a CRC that does not match) is a damaged file."""
    produced = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                produced += len(chunk)
                if produced > info.file_size:
                    raise _damaged(name or info.filename, kind)
                if produced > budget:
                    raise OverBudget(produced)
                yield chunk
    except (ValidationError, OverBudget):
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
        # RuntimeError: an encrypted entry; NotImplementedError: a compression method zipfile does not know.
        raise _damaged(name or info.filename, kind) from exc


def read_entry(archive: zipfile.ZipFile, entry: str, budget: int, name: str = "", kind: str = "ZIP") -> bytes:
    """One entry's bytes, read through the bounded stream (beyond `budget`: a ValidationError naming it)."""
    try:
        info = archive.getinfo(entry)
    except KeyError as exc:
        raise _damaged(name or entry, kind) from exc
    try:
        return b"".join(iter_entry(archive, info, budget, name, kind))
    except OverBudget as exc:
        raise _too_large(name or entry, exc.produced, budget) from exc


def check_zip(source: bytes | BinaryIO, name: str, limits: ZipLimits | None = None, kind: str = "ZIP") -> ZipSummary:
    """Refuse a zip container beyond the limits or damaged, with a Vietnamese ValidationError naming the limit (codes
    zip_entries, zip_too_large, zip_ratio, zip_damaged). `kind` names the expected format in the message (DOCX,
    XLSX). A file object is left at its start."""
    limits = limits or ZipLimits.for_uploads()
    archive = _open(source, name, kind)
    try:
        summary = check_directory(archive, name, limits)
        inflated = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                for chunk in iter_entry(archive, info, limits.max_total_bytes - inflated, name, kind):
                    inflated += len(chunk)
            except OverBudget as exc:
                raise _too_large(name, inflated + exc.produced, limits.max_total_bytes) from exc
    finally:
        archive.close()
        if not isinstance(source, bytes | bytearray | memoryview):
            source.seek(0)
    return summary
