"""QR codes (the `qrcode` library, SVG: no imaging library), for the second factor's enrolment and the survey's
short link."""

import base64


def qr_svg(text: str, box_size: int = 8) -> bytes:
    import qrcode
    from qrcode.image.svg import SvgPathImage

    return qrcode.make(text, image_factory=SvgPathImage, box_size=box_size, border=2).to_string()


def qr_data_uri(text: str, box_size: int = 8) -> str:
    """A QR code of `text` as an SVG data URI (the CSP allows images from data: URIs, no inline script or style)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text, box_size)).decode("ascii")
