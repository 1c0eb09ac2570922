"""Printable vest sheet: the verification QR with the rider's ID code under it.

PNG (pillow), SVG and PDF. The raster image only carries Latin letters and digits (the ID
code and "1584"), so it renders without a Thai font on any machine; the SVG carries the
Thai caption as text, which the viewer's fonts render.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from . import codes

FORMATS = ("png", "svg", "pdf")
QR_SCALE = 12
CAPTION_TH = "สแกนเพื่อตรวจสอบผู้ขับ หรือพิมพ์รหัสในแชท ร้องเรียนโทร 1584"


def _qr(url: str):
    import segno

    return segno.make(url, error="m", micro=False)


def png_sheet(url: str, code: str) -> bytes:
    """A PNG: QR code, the code in large digits under it, and the DLT hotline."""
    from PIL import Image, ImageDraw, ImageFont

    buf = io.BytesIO()
    _qr(url).save(buf, kind="png", scale=QR_SCALE, border=4)
    qr = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    width = max(qr.width, 700)
    sheet = Image.new("RGB", (width, qr.height + 230), "white")
    sheet.paste(qr, ((width - qr.width) // 2, 0))
    draw = ImageDraw.Draw(sheet)
    big, small = ImageFont.load_default(size=96), ImageFont.load_default(size=40)
    for text, font, y in ((codes.format_code(code), big, qr.height + 10),
                          ("DLT 1584", small, qr.height + 150)):
        w = draw.textlength(text, font=font)
        draw.text(((width - w) / 2, y), text, fill="black", font=font)
    out = io.BytesIO()
    sheet.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def svg_sheet(url: str, code: str) -> bytes:
    """An SVG: the QR, the code and a Thai caption as real text (accessible, scalable)."""
    buf = io.BytesIO()
    qr = _qr(url)
    qr.save(buf, kind="svg", scale=10, border=4, xmldecl=False, svgns=True,
            title=f"QR {codes.format_code(code)}")
    inner = buf.getvalue().decode()
    size = qr.symbol_size(scale=10, border=4)[0]
    height = size + 140
    label = escape(codes.format_code(code))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{height}" '
            f'viewBox="0 0 {size} {height}" role="img" aria-label="{label}">'
            f'<rect width="100%" height="100%" fill="#fff"/>{inner}'
            f'<text x="{size / 2}" y="{size + 60}" font-size="56" font-family="sans-serif" '
            f'text-anchor="middle" fill="#000">{label}</text>'
            f'<text x="{size / 2}" y="{size + 110}" font-size="18" font-family="sans-serif" '
            f'text-anchor="middle" fill="#000">{escape(CAPTION_TH)}</text></svg>').encode()


def pdf_sheet(url: str, code: str) -> bytes:
    """A one-page PDF of the PNG sheet (pillow), for printing."""
    from PIL import Image

    image = Image.open(io.BytesIO(png_sheet(url, code)))
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=300)
    return out.getvalue()


def render(url: str, code: str, fmt: str) -> bytes:
    """The sheet in ``fmt`` (png, svg or pdf)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    return {"png": png_sheet, "svg": svg_sheet, "pdf": pdf_sheet}[fmt](url, code)


def write(url: str, code: str, fmt: str, out_dir: Path) -> Path:
    """Write the sheet under ``out_dir`` as ``vest-<code>.<fmt>``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"vest-{code}.{fmt}"
    path.write_bytes(render(url, code, fmt))
    return path


def decode_qr(image_bytes: bytes) -> list[str]:
    """Texts of the QR codes in a photo or image (zxing-cpp), for chat photos and tests."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(image_bytes))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return []
    return [r.text for r in zxingcpp.read_barcodes(image.convert("RGB"))
            if r.format == zxingcpp.BarcodeFormat.QRCode]


def token_from_url(text: str, base_url: str | None = None) -> str | None:
    """The token of a verification URL ``…/motortaxi/v/<token>``, or ``None``."""
    import re
    from urllib.parse import urlsplit

    text = text.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        return None
    if base_url and not text.startswith(base_url.rstrip("/") + "/motortaxi/v/"):
        return None
    m = re.fullmatch(r"/motortaxi/v/([A-Za-z0-9_-]{8,64})/?", parts.path)
    return m.group(1) if m else None
