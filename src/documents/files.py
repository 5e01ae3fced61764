"""Uploaded content: real-type detection, text extraction, HTML preview and the simple rich-text format.

A file's type is decided by its content, never by its name: DOCX is a zip holding word/document.xml
that python-docx opens; PDF starts with %PDF- and pypdf opens it.
"""

import html
import io
import re
import zipfile
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_TEXT = 2_000_000  # characters of extracted text kept for search


def max_upload_bytes():
    return int(settings.EISO.get("DOCUMENT_MAX_UPLOAD_MB", 20) * 1024 * 1024)


def _read(uploaded):
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    return data


def sha256(uploaded):
    import hashlib

    return hashlib.sha256(_read(uploaded)).hexdigest()


def inspect_upload(uploaded):
    """Validate an uploaded file; returns (kind, text). Raises ValidationError on the field "file"."""
    limit = max_upload_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            {
                "file": _("Tệp “%(name)s” quá lớn (%(size)s MB); giới hạn là %(limit)s MB.")
                % {"name": uploaded.name, "size": f"{uploaded.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"}
            }
        )
    data = _read(uploaded)
    if not data:
        raise ValidationError({"file": _("Tệp “%(name)s” rỗng.") % {"name": uploaded.name}})
    if data.startswith(b"%PDF-"):
        return "pdf", pdf_text(data, uploaded.name)
    if data.startswith(b"PK") and zipfile.is_zipfile(io.BytesIO(data)):
        return "docx", docx_text(data, uploaded.name)
    raise ValidationError(
        {
            "file": _("Tệp “%(name)s” không phải DOCX hoặc PDF. Chỉ chấp nhận tệp Word (.docx) hoặc PDF.")
            % {"name": uploaded.name}
        }
    )


def _corrupt(name):
    return ValidationError({"file": _("Tệp “%(name)s” bị hỏng hoặc không đọc được.") % {"name": name}})


def pdf_text(data, name="tệp"):
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError(
                {"file": _("Tệp “%(name)s” được đặt mật khẩu; hãy tải lên bản không khóa.") % {"name": name}}
            )
        parts, total = [], 0
        for page in reader.pages:
            chunk = page.extract_text() or ""
            parts.append(chunk)
            total += len(chunk)
            if total > MAX_TEXT:
                break
        if not reader.pages:
            raise _corrupt(name)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise _corrupt(name) from exc
    return "\n".join(parts)[:MAX_TEXT]


def docx_text(data, name="tệp"):
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise ValidationError(
                    {
                        "file": _("Tệp “%(name)s” không phải DOCX hoặc PDF. Chỉ chấp nhận tệp Word (.docx) hoặc PDF.")
                        % {"name": name}
                    }
                )
        document = docx.Document(io.BytesIO(data))
    except ValidationError:
        raise
    except Exception as exc:  # python-docx raises many kinds of errors on damaged packages
        raise _corrupt(name) from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)[:MAX_TEXT]


def docx_html(data):
    import mammoth

    result = mammoth.convert_to_html(io.BytesIO(data))
    return sanitize_html(result.value)


# -- simple rich text ----------------------------------------------------------------------------
# The in-page editor is a textarea with a small, safe markup: "# " headings, "- " bullets,
# "1. " numbered items, **bold**, *italic*, blank line between paragraphs. Rendered by escaping first.
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<!\*)\*(?!\*)(.+?)(?<!\*)\*(?!\*)")
_NUMBERED = re.compile(r"^\d+[.)]\s+")


def _inline(text):
    text = html.escape(text)
    return _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", text))


def render_body(source):
    """The simple markup as HTML; the output is safe by construction (everything escaped first)."""
    out, para, list_tag = [], [], None

    def flush_para():
        if para:
            out.append("<p>" + "<br>".join(_inline(line) for line in para) + "</p>")
            para.clear()

    def close_list():
        nonlocal list_tag
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = None

    for raw in (source or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush_para()
            close_list()
            continue
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        bullet = line[:2] in ("- ", "+ ") or line.startswith("• ")
        numbered = _NUMBERED.match(line)
        if heading:
            flush_para()
            close_list()
            level = len(heading.group(1)) + 1
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            flush_para()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                close_list()
                out.append(f"<{tag}>")
                list_tag = tag
            item = line[2:] if bullet else line[numbered.end() :]
            out.append(f"<li>{_inline(item)}</li>")
        else:
            close_list()
            para.append(line)
    flush_para()
    close_list()
    return "\n".join(out)


def body_text(source):
    """Plain text of the simple markup, for search."""
    return re.sub(r"[#*]+", " ", source or "")


# -- allow-list sanitizer for converted HTML -----------------------------------------------------
_ALLOWED = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "blockquote",
    "sup",
    "sub",
    "a",
    "img",
}
_VOID = {"br", "img"}
_DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "template"}


class _Sanitizer(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROP_CONTENT:
            self.skip += 1
            return
        if self.skip or tag not in _ALLOWED:
            return
        kept = []
        for name, value in attrs:
            value = value or ""
            if tag == "a" and name == "href" and re.match(r"^(https?:|mailto:|#)", value.strip(), re.I):
                kept.append(f' href="{html.escape(value)}" rel="noopener noreferrer"')
            elif tag == "img" and name == "src" and re.match(r"^data:image/(png|jpe?g|gif);base64,", value, re.I):
                kept.append(f' src="{html.escape(value)}"')
            elif tag in ("td", "th") and name in ("colspan", "rowspan") and value.isdigit():
                kept.append(f' {name}="{value}"')
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_endtag(self, tag):
        if tag in _DROP_CONTENT:
            self.skip = max(0, self.skip - 1)
            return
        if not self.skip and tag in _ALLOWED and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(html.escape(data))


def sanitize_html(markup):
    parser = _Sanitizer()
    parser.feed(markup or "")
    parser.close()
    return "".join(parser.out)
