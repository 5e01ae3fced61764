"""Uploaded content: real-type detection, text extraction, HTML preview and the simple rich-text format.

A file's type is decided by its content, never by its name: DOCX is a zip holding word/document.xml, PDF starts
with %PDF- and pypdf opens it. Every zip container is first checked by `core.archives.check_zip` (uncompressed
size, compression ratio, entry count; a damaged file) before anything is inflated. A DOCX's text is read as a
stream from word/document.xml and stops at MAX_TEXT characters; its preview (`docx_preview`, rendered once in the
background and stored) converts only the document's first characters (a setting) with mammoth.
"""

import base64
import html
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from lxml import etree

from core import archives

MAX_TEXT = 2_000_000  # characters of extracted text kept for search
DOCUMENT_XML = "word/document.xml"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# The parts other than the document body that mammoth parses whole (styles, numbering, notes, comments, rels):
# a legitimate one is a few hundred KB.
PREVIEW_PART_LIMIT = 5 * archives.MB


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


def _not_docx(name):
    return ValidationError(
        {
            "file": _("Tệp “%(name)s” không phải DOCX hoặc PDF. Chỉ chấp nhận tệp Word (.docx) hoặc PDF.")
            % {"name": name}
        }
    )


def _on_file(exc):
    """A ValidationError of core.archives as the form's "file" error."""
    return ValidationError({"file": exc.messages})


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
    if data.startswith(b"PK") or zipfile.is_zipfile(io.BytesIO(data)):  # any zip container is checked
        try:
            summary = archives.check_zip(data, uploaded.name, archives.ZipLimits.for_uploads(), kind="DOCX")
        except ValidationError as exc:
            raise _on_file(exc) from exc
        if not data.startswith(b"PK") or DOCUMENT_XML not in summary.names:
            raise _not_docx(uploaded.name)
        return "docx", docx_text(data, uploaded.name)
    raise _not_docx(uploaded.name)


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


def _pull_parser(**kwargs):
    # No entities resolved, no network, lxml's default protection against entity expansion (huge_tree off).
    return etree.XMLPullParser(resolve_entities=False, no_network=True, huge_tree=False, **kwargs)


def _document_chunks(archive, name):
    """word/document.xml inflated through the bounded stream (its declared size, at most the zip limit)."""
    try:
        info = archive.getinfo(DOCUMENT_XML)
    except KeyError as exc:
        raise _not_docx(name) from exc
    return archives.iter_entry(archive, info, archives.ZipLimits.for_uploads().max_total_bytes, name, "DOCX")


def docx_text(data, name="tệp"):
    """The text of a DOCX for search: paragraphs in document order, a table row as its cells joined by " | " (a
    cell's paragraphs by new lines), read as a stream and stopped at MAX_TEXT characters."""
    lines, total = [], 0
    tables = []  # one {"row": [...], "cell": [...]} per open table (tables nest in cells)
    para = []

    def emit(text):
        nonlocal total
        if tables:
            tables[-1]["cell"].append(text)
        else:
            lines.append(text)
            total += len(text) + 1

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parser = _pull_parser(
                events=("start", "end"), tag=(f"{W}p", f"{W}t", f"{W}tab", f"{W}br", f"{W}tc", f"{W}tr", f"{W}tbl")
            )
            for chunk in _document_chunks(archive, name):
                parser.feed(chunk)
                for event, element in parser.read_events():
                    tag = element.tag
                    if event == "start":
                        if tag == f"{W}tbl":
                            tables.append({"row": [], "cell": []})
                        continue
                    if tag == f"{W}t":
                        para.append(element.text or "")
                    elif tag == f"{W}tab":
                        para.append("\t")
                    elif tag == f"{W}br":
                        para.append("\n")
                    elif tag == f"{W}p":
                        emit("".join(para))
                        para.clear()
                    elif tag == f"{W}tc" and tables:
                        tables[-1]["row"].append("\n".join(tables[-1]["cell"]))
                        tables[-1]["cell"] = []
                    elif tag == f"{W}tr" and tables:
                        row = " | ".join(tables[-1]["row"])
                        tables[-1]["row"] = []
                        if len(tables) > 1:
                            tables[-2]["cell"].append(row)
                        else:
                            lines.append(row)
                            total += len(row) + 1
                    elif tag == f"{W}tbl" and tables:
                        tables.pop()
                    if tag in (f"{W}p", f"{W}tbl"):
                        _forget(element)
                if total > MAX_TEXT:
                    break
            else:
                parser.close()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise _on_file(exc) from exc
    except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _corrupt(name) from exc
    return "\n".join(lines)[:MAX_TEXT]


def _forget(element):
    """A finished element of the streamed tree: emptied, and the body's earlier children dropped (constant
    memory however long the document)."""
    parent = element.getparent()
    if parent is not None and parent.tag == f"{W}body":
        element.clear()
        while element.getprevious() is not None:
            del parent[0]


@dataclass(frozen=True)
class Preview:
    html: str
    truncated: bool  # only the document's beginning is shown
    shown_chars: int  # characters of text in the preview


def _document_prefix(archive, name, max_chars):
    """(document.xml holding the body's first `max_chars` characters of text, truncated?, characters kept).
    Whole top-level elements are kept, the last one cut inside its text; at most max_chars // 20 paragraphs (a
    document of empty table cells is bounded too)."""
    max_paragraphs = max(max_chars // 20, 1)
    parser = _pull_parser(events=("start", "end"))
    root, body = None, None
    depth, chars, paragraphs = 0, 0, 0
    stop_at = None
    for chunk in _document_chunks(archive, name):
        parser.feed(chunk)
        for event, element in parser.read_events():
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                elif depth == 2 and element.tag == f"{W}body":
                    body = element
                continue
            depth -= 1
            if element.tag == f"{W}t" and element.text:
                room = max_chars - chars
                if len(element.text) >= room:
                    element.text = element.text[:room]
                    stop_at = element
                chars += len(element.text)
            elif element.tag == f"{W}p":
                paragraphs += 1
                if paragraphs >= max_paragraphs:
                    stop_at = element
            if stop_at is not None:
                break
        if stop_at is not None:
            break
    else:
        parser.close()
    if root is None or body is None:
        raise etree.XMLSyntaxError("no document body", None, 0, 0)
    truncated = stop_at is not None
    if truncated:
        top = stop_at
        while top.getparent() is not None and top.getparent() is not body:
            top = top.getparent()
        # What the parser built past the cut: the rest of the top element's text and the body's later children.
        after = False
        for element in top.iter():
            if element is stop_at:
                after = True
            elif after and element.tag == f"{W}t":
                element.text = ""
        for extra in list(top.itersiblings()):
            body.remove(extra)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), truncated, chars


def docx_preview(data, name="tệp", max_chars=None, max_image_bytes=None):
    """The HTML preview of a DOCX (sanitized): the document's first `max_chars` characters converted by mammoth,
    images embedded up to `max_image_bytes` in all. ValidationError (a list of messages) when the file is over the
    zip limits, damaged, or holds a part too large to convert."""
    import mammoth
    from mammoth import html as mammoth_html

    max_chars = max_chars or int(settings.EISO.get("DOCUMENT_PREVIEW_MAX_CHARS", 100_000))
    if max_image_bytes is None:
        max_image_bytes = int(float(settings.EISO.get("DOCUMENT_PREVIEW_MAX_IMAGES_MB", 5)) * archives.MB)
    limits = archives.ZipLimits.for_uploads()
    archives.check_zip(data, name, limits, kind="DOCX")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                is_xml = info.filename.lower().endswith((".xml", ".rels"))
                if is_xml and info.filename != DOCUMENT_XML and info.file_size > PREVIEW_PART_LIMIT:
                    raise ValidationError(
                        _("Phần “%(part)s” của tệp quá lớn (%(size)s MB) để tạo bản xem trước; tải tệp gốc để xem.")
                        % {"part": info.filename[:100], "size": number_format(info.file_size / archives.MB, 1)}
                    )
            document_xml, truncated, shown = _document_prefix(archive, name, max_chars)
            package = io.BytesIO()
            with zipfile.ZipFile(package, "w", zipfile.ZIP_STORED) as out:
                for info in archive.infolist():
                    if info.filename == DOCUMENT_XML:
                        out.writestr(DOCUMENT_XML, document_xml)
                    elif not info.is_dir():
                        out.writestr(
                            info.filename,
                            archives.read_entry(archive, info.filename, limits.max_total_bytes, name, "DOCX"),
                        )
    except (etree.XMLSyntaxError, zipfile.BadZipFile) as exc:
        raise ValidationError(_("Tệp “%(name)s” bị hỏng hoặc không đọc được.") % {"name": name}) from exc

    used = 0

    def convert_image(image):
        nonlocal used
        with image.open() as handle:
            content = handle.read(max_image_bytes - used + 1)
        if image.content_type not in ("image/png", "image/jpeg", "image/gif") or used + len(content) > max_image_bytes:
            return [mammoth_html.text(_("[Hình ảnh: xem trong tệp gốc]"))]
        used += len(content)
        attributes = {"src": f"data:{image.content_type};base64,{base64.b64encode(content).decode('ascii')}"}
        if image.alt_text:
            attributes["alt"] = image.alt_text
        return [mammoth_html.element("img", attributes)]

    package.seek(0)
    result = mammoth.convert_to_html(package, convert_image=convert_image)
    return Preview(html=sanitize_html(result.value), truncated=truncated, shown_chars=shown)


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


def body_preview(source, max_chars):
    """The written content as a Preview: its first `max_chars` characters rendered (a page stays bounded)."""
    source = source or ""
    shown = source[:max_chars]
    return Preview(html=render_body(shown), truncated=len(source) > max_chars, shown_chars=len(shown))


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
