"""Responses shared by the apps' views and APIs."""

import mimetypes

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES = {".xlsx": XLSX, ".docx": DOCX, ".csv": "text/csv; charset=utf-8", ".pdf": "application/pdf"}


def file_download(
    content: bytes | str, filename: str, content_type: str | None = None, inline: bool = False
) -> HttpResponse:
    """A generated file (bytes, or text: CSV gets a BOM so that Excel reads it as UTF-8) as an attachment, or
    shown in the browser with `inline`. The content type follows the file name unless given."""
    suffix = filename[filename.rfind(".") :].lower()
    content_type = content_type or TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if isinstance(content, str) and suffix == ".csv" and not content.startswith("\ufeff"):
        content = "\ufeff" + content
    response = HttpResponse(content, content_type=content_type)
    # a name outside ASCII (Vietnamese, "Đ") as RFC 6266's filename*, which browsers read
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` a form carries, if it stays on this site (a path or this host over the request's scheme);
    otherwise the default. An address off-site or a `javascript:` one is never followed."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else default
