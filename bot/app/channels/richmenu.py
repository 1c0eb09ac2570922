"""The LINE rich menu: built from the installed skills, drawn, and set as the account's default.

    python -m bot.app.channels.richmenu [--image-only PATH]   (or: make line-menu)

Eight areas on LINE's large menu (2500 x 1686 pixels, four by two): each installed service in
menu order (a ready one says what it does; one being prepared says its hotline), then the
emergency numbers and "talk to a person". Tapping an area sends the same typed payload the
numbered choice would (a postback with ``Target.message()``), so the engine cannot tell a tap
from a typed "1". The image is drawn with Pillow in a Thai font from Debian's
``fonts-thai-tlwg`` (``scripts/ensure-thai-font`` installs it; ``THAI_FONT`` may name another
.ttf): large dark-on-light labels (at least 72 of 2,500 pixels, contrast above 7:1), each as
large as fits its box, broken at spaces or else between words. Thai writes no space between
words, so the word boundaries come from Debian's libthai (``libthai0``, the dictionary word
breaker GTK and Pango use, read through ctypes; the same script installs it); without it a
label breaks only at spaces. Through the official ``line-bot-sdk``:
create the menu, upload its image, set it as default, then delete this product's older menus
(so running it again keeps the menu up to date). ``LINE_CHANNEL_ACCESS_TOKEN`` and
``LINE_API_BASE`` come from the environment (``bot.kernel.settings``).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import io
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from bot.app.channels.menu import Area, areas  # the same entries on every channel
from bot.app.channels.texts import TEXTS
from bot.kernel.settings import Settings

WIDTH, HEIGHT = 2500, 1686  # LINE's large rich menu
COLUMNS, ROWS = 4, 2
MENU_NAME = "govbot-main"  # menus with this name are this product's (older ones are deleted)
CHAT_BAR_MAX = 14  # LINE: chatBarText at most 14 characters
LABEL_MAX = 20  # LINE: an action's label at most 20 characters
FONT_DIRS = (Path("/usr/share/fonts/truetype/tlwg"), Path("/usr/share/fonts/opentype/tlwg"))
FONT_NAMES = ("Loma-Bold.ttf", "Garuda-Bold.ttf", "Loma-Bold.otf", "Garuda-Bold.otf")
LABEL_PX, LABEL_LEAST_PX = 120, 72  # a label's font size: as large as fits, never below 72
BAND = 120  # the bottom of the state's band, from an area's top edge (pixels)
LABEL_BOX, SUB_BOX = (150, 490), (500, 820)  # top and bottom of the label's box, and the sub's
INK, SUB_INK, PAPER, TILE = "#111111", "#333333", "#FFFFFF", "#F4F4F4"
PAD = 44  # an area's text keeps this far from its sides
# An area's colour band by its kind (its state is written on it in white).
BANDS = {"ready": "#17653A", "hotline": "#8A5300", "emergency": "#B3261E", "person": INK}


class NoThaiFont(RuntimeError):
    """No Thai font is installed (run scripts/ensure-thai-font)."""


def _bounds(index: int) -> tuple[int, int, int, int]:
    """x, y, width, height of area ``index`` (row by row; the last column takes the rest)."""
    w, h = WIDTH // COLUMNS, HEIGHT // ROWS
    col, row = index % COLUMNS, index // COLUMNS
    return (col * w, row * h, WIDTH - col * w if col == COLUMNS - 1 else w,
            HEIGHT - row * h if row == ROWS - 1 else h)


def font_path() -> Path:
    """A Thai font: ``THAI_FONT``, else a bold TLWG sans from Debian's fonts-thai-tlwg."""
    if os.environ.get("THAI_FONT"):
        return Path(os.environ["THAI_FONT"])
    for folder in FONT_DIRS:
        for name in FONT_NAMES:
            if (folder / name).is_file():
                return folder / name
    raise NoThaiFont("no Thai font: run scripts/ensure-thai-font (installs fonts-thai-tlwg)")


@lru_cache(maxsize=1)
def _libthai() -> Any:
    """Debian's libthai (``libthai0``, the word breaker Pango uses) with its dictionary, or
    ``None`` when it is not installed."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("thai") or "libthai.so.0")
        lib.th_brk_new.restype = ctypes.c_void_p
        lib.th_brk_new.argtypes = [ctypes.c_char_p]
        lib.th_brk_wc_find_breaks.restype = ctypes.c_int
        lib.th_brk_wc_find_breaks.argtypes = [ctypes.c_void_p, ctypes.c_wchar_p,
                                              ctypes.POINTER(ctypes.c_int), ctypes.c_size_t]
        breaker = lib.th_brk_new(None)
    except (OSError, AttributeError):
        return None
    return (lib, breaker) if breaker else None


def words(text: str) -> list[str]:
    """``text`` in the pieces a line may break between (each keeps the space after it):
    at spaces (Thai writes one between phrases) and, inside a phrase, at the word boundaries
    libthai's dictionary finds; without libthai only at spaces.

    >>> "".join(words("คำนวณและจ่ายภาษีป้าย")) == "คำนวณและจ่ายภาษีป้าย"
    True
    """
    found = _libthai()
    pieces = re.findall(r"\S+\s*", text.strip())
    if found is None:
        return pieces
    lib, breaker = found
    out = []
    for piece in pieces:
        at = (ctypes.c_int * (len(piece) + 1))()
        count = lib.th_brk_wc_find_breaks(breaker, piece, at, len(piece) + 1)
        cuts = [0, *sorted({i for i in at[:max(count, 0)] if 0 < i < len(piece)}), len(piece)]
        out += [piece[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if piece[a:b].strip()]
        if not piece[cuts[-2]:].strip():  # a break found inside the trailing space
            out[-1] += piece[cuts[-2]:]
    return out


def _starts_syllable(ch: str) -> bool:
    """Whether a line may break before ``ch`` (not a Thai vowel or tone mark above or below,
    not a following vowel)."""
    return not ("\u0e30" <= ch <= "\u0e3a" or "\u0e45" <= ch <= "\u0e4e"
                or unicodedata.combining(ch))


def _cut(draw: ImageDraw.ImageDraw, word: str, font: ImageFont.FreeTypeFont,
         width: int) -> list[str]:
    """A word wider than a line (the last resort: no smaller font fits it) between characters
    that start a syllable."""
    lines, line = [], ""
    for i, ch in enumerate(word):
        if line and _starts_syllable(ch) and not "\u0e40" <= word[i - 1] <= "\u0e44" \
                and draw.textlength(line + word[i:i + 2], font=font) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line]


def _wrapped(draw: ImageDraw.ImageDraw, pieces: list[str], font: ImageFont.FreeTypeFont,
             width: int) -> list[str]:
    """``pieces`` in lines of at most ``width``, greedily (as many on a line as fit); a piece
    wider than a line is a line of its own."""
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if line and draw.textlength((line + piece).rstrip(), font=font) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
    return [*lines, line.rstrip()] if line.strip() else lines


def layout(draw: ImageDraw.ImageDraw, text: str, path: Path, size: int, least: int,
           width: int, height: int, leading: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """``text``'s font and lines in a box ``width`` by ``height`` (lines ``leading`` times the
    font size apart): the largest font from ``size`` down to ``least`` at which it fits,
    broken at spaces if it fits so, else between ``words``; when nothing fits, at ``least``,
    a word wider than a line cut between syllables."""
    for px in range(size, least - 1, -6):
        font = ImageFont.truetype(str(path), px)
        for pieces in (re.findall(r"\S+\s*", text.strip()), words(text)):
            lines = _wrapped(draw, pieces, font, width)
            if len(lines) * px * leading <= height and all(
                    draw.textlength(x, font=font) <= width for x in lines):
                return font, lines
    font = ImageFont.truetype(str(path), least)
    return font, [part for x in _wrapped(draw, words(text), font, width) for part in (
        [x] if draw.textlength(x, font=font) <= width else _cut(draw, x, font, width))]


@dataclass(frozen=True)
class Block:
    """One text of an area, laid out: its box (from the area's top edge), font and lines."""

    top: int
    bottom: int
    font: ImageFont.FreeTypeFont
    lines: list[str]
    colour: str
    leading: float


def blocks(draw: ImageDraw.ImageDraw, path: Path, area: Area, width: int) -> list[Block]:
    """An area's label (large, bold, dark on light) and the line under it, laid out."""
    out = []
    for text, (top, bottom), (most, least), colour, leading in (
            (area.label, LABEL_BOX, (LABEL_PX, LABEL_LEAST_PX), INK, 1.25),
            (area.sub, SUB_BOX, (64, 52), SUB_INK, 1.3)):
        font, lines = layout(draw, text, path, most, least, width, bottom - top, leading)
        out.append(Block(top, bottom, font, lines, colour, leading))
    return out


def render(menu: list[Area]) -> bytes:
    """The menu's PNG: per area a coloured band saying the service's state in white, the
    label large and bold (broken between words), what it does under it; white separators."""
    path = font_path()
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    small = ImageFont.truetype(str(path), 60)
    for index, area in enumerate(menu):
        x, y, w, h = _bounds(index)
        middle = x + w / 2
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=TILE, outline=PAPER, width=8)
        draw.rectangle((x + 8, y + 8, x + w - 9, y + BAND), fill=BANDS[area.kind])
        draw.text((middle, y + 8 + (BAND - 8) / 2), area.state, font=small, fill=PAPER,
                  anchor="mm")
        for block in blocks(draw, path, area, w - 2 * PAD):
            step = block.font.size * block.leading  # the lines centred in the block's box
            first = y + (block.top + block.bottom) / 2 - step * (len(block.lines) - 1) / 2
            for n, line in enumerate(block.lines):
                draw.text((middle, first + n * step), line, font=block.font,
                          fill=block.colour, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def request(menu: list[Area]) -> dict:
    """The rich menu object (LINE's JSON form): an area per service, each a postback with
    the message its numbered choice sends."""
    return {
        "size": {"width": WIDTH, "height": HEIGHT}, "selected": True, "name": MENU_NAME,
        "chatBarText": TEXTS["menu_alt"][:CHAT_BAR_MAX],
        "areas": [{"bounds": dict(zip(("x", "y", "width", "height"), _bounds(i), strict=True)),
                   "action": {"type": "postback", "label": a.label[:LABEL_MAX],
                              "data": a.target.message(), "displayText": a.label}}
                  for i, a in enumerate(menu)]}


def install(settings: Settings, menu: list[Area], png: bytes) -> str:
    """Create the menu, upload its image, make it the default, delete this product's older
    menus; the new menu's id."""
    from linebot.v3.messaging import (
        ApiClient,
        Configuration,
        MessagingApi,
        MessagingApiBlob,
        RichMenuRequest,
    )

    host = None if settings.line_api_base == "https://api.line.me" else settings.line_api_base
    config = Configuration(access_token=settings.line_channel_access_token, host=host)
    with ApiClient(config) as client:
        api, blob = MessagingApi(client), MessagingApiBlob(client)
        created = api.create_rich_menu(RichMenuRequest.from_dict(request(menu)))
        menu_id = created.rich_menu_id
        blob.set_rich_menu_image(menu_id, png, _headers={"Content-Type": "image/png"})
        api.set_default_rich_menu(menu_id)
        for old in api.get_rich_menu_list().richmenus or ():
            if old.name == MENU_NAME and old.rich_menu_id != menu_id:
                api.delete_rich_menu(old.rich_menu_id)
    return menu_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-only", metavar="PATH",
                        help="only draw the menu's PNG to PATH (no LINE account needed)")
    parser.add_argument("--save-image", metavar="PATH", help="also keep the PNG at PATH")
    args = parser.parse_args(argv)
    menu = areas()
    try:
        png = render(menu)
    except NoThaiFont as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in (args.image_only, args.save_image):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(png)
            print(f"rich-menu image: {path}")
    if args.image_only:
        return 0
    settings = Settings.from_env()
    if not settings.line_channel_access_token:
        print("error: set LINE_CHANNEL_ACCESS_TOKEN (the channel's long-lived token)",
              file=sys.stderr)
        return 2
    from linebot.v3.messaging import ApiException

    try:
        menu_id = install(settings, menu, png)
    except (ApiException, OSError) as exc:
        print(f"error: LINE refused the rich menu: {exc}", file=sys.stderr)
        return 1
    print(f"rich menu {menu_id} is the default, {len(menu)} areas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
