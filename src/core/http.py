"""Responses shared by the apps' views and APIs."""

import mimetypes

from django.http import HttpResponse

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
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response
