"""Small real DOCX and PDF files (demo data and tests)."""

import io
from functools import lru_cache


def make_docx(title, paragraphs):
    from .layout import a4_document

    document = a4_document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        if text.startswith("# "):
            document.add_heading(text[2:], level=2)
        elif text.startswith("- "):
            document.add_paragraph(text[2:], style="List Bullet")
        elif text.startswith("**") and text.endswith("**"):
            document.add_paragraph().add_run(text.strip("*")).bold = True
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@lru_cache(maxsize=32)
def _pdf(title, body):
    from weasyprint import HTML

    paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n") if line)
    from .layout import PDF_FONT_FAMILY

    html = (
        f"<html><head><meta charset='utf-8'><style>@page{{size:A4;margin:20mm 20mm 20mm 30mm}}"
        f"body{{font-family:{PDF_FONT_FAMILY};font-size:13pt}}"
        f"h1{{font-size:14pt;text-align:center}}</style></head><body><h1>{title}</h1>{paragraphs}</body></html>"
    )
    return HTML(string=html).write_pdf()


def make_pdf(title, paragraphs):
    return _pdf(title, "\n".join(paragraphs))
