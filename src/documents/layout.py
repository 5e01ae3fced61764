"""The page layout of generated Word and PDF files: Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP,
Phụ lục I) are A4, margins top 2 cm, bottom 2 cm, left 3 cm, right 2 cm, in Times New Roman 13-14 pt."""

# PDFs: Times New Roman where installed, else its metric-compatible Liberation Serif (Debian's fonts-liberation).
PDF_FONT_FAMILY = '"Times New Roman", "Liberation Serif", serif'
FONT_NAME = "Times New Roman"
FONT_SIZE_PT = 13
A4_CM = (21.0, 29.7)
MARGINS_CM = {"top": 2.0, "bottom": 2.0, "left": 3.0, "right": 2.0}


def _set_font(style, name, size=None):
    """A style's font, for every script (Word takes Vietnamese from the ascii/hAnsi/cs slots, CJK from eastAsia)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = name
    if size is not None:
        style.font.size = Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)


def a4_document():
    """A new python-docx Document on A4 portrait with the administrative margins and Times New Roman 13 pt
    (headings included)."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Cm, RGBColor

    document = docx.Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(A4_CM[0]), Cm(A4_CM[1])
        section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
        section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    _set_font(document.styles["Normal"], FONT_NAME, FONT_SIZE_PT)
    for style in document.styles:
        if style.type == WD_STYLE_TYPE.PARAGRAPH and style.name.startswith(("Heading", "Title")):
            _set_font(style, FONT_NAME, 14 if style.name in ("Title", "Heading 1") else FONT_SIZE_PT)
            style.font.color.rgb = RGBColor(0, 0, 0)
    return document


def text_width_cm():
    return A4_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]
