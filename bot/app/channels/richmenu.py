"""The LINE rich menu: built from the installed skills, drawn, and set as the account's default.

    python -m bot.app.channels.richmenu [--image-only PATH]   (or: make line-menu)

Eight areas on LINE's large menu (2500 x 1686 pixels, four by two): each installed service in
menu order (a ready one says what it does; one being prepared says its hotline), then the
emergency numbers and "talk to a person". Tapping an area sends the same typed payload the
numbered choice would (a postback with ``Target.message()``), so the engine cannot tell a tap
from a typed "1". The image is drawn with Pillow in a Thai font from Debian's
``fonts-thai-tlwg`` (``scripts/ensure-thai-font`` installs it; ``THAI_FONT`` may name another
.ttf): large dark-on-light labels (contrast above 7:1). Through the official ``line-bot-sdk``:
create the menu, upload its image, set it as default, then delete this product's older menus
(so running it again keeps the menu up to date). ``LINE_CHANNEL_ACCESS_TOKEN`` and
``LINE_API_BASE`` come from the environment (``bot.kernel.settings``).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.app.channels.texts import TEXTS
from bot.kernel import registry
from bot.kernel.answer import Target
from bot.kernel.settings import Settings

WIDTH, HEIGHT = 2500, 1686  # LINE's large rich menu
COLUMNS, ROWS = 4, 2
MENU_NAME = "govbot-main"  # menus with this name are this product's (older ones are deleted)
CHAT_BAR_MAX = 14  # LINE: chatBarText at most 14 characters
LABEL_MAX = 20  # LINE: an action's label at most 20 characters
FONT_DIRS = (Path("/usr/share/fonts/truetype/tlwg"), Path("/usr/share/fonts/opentype/tlwg"))
FONT_NAMES = ("Loma-Bold.ttf", "Garuda-Bold.ttf", "Loma-Bold.otf", "Garuda-Bold.otf")
INK, PAPER, READY, HOTLINE, URGENT = "#111111", "#FFFFFF", "#17653A", "#8A5300", "#B3261E"


class NoThaiFont(RuntimeError):
    """No Thai font is installed (run scripts/ensure-thai-font)."""


@dataclass(frozen=True)
class Area:
    """One tappable area: its label, the line under it, its colour band, and its target."""

    label: str
    sub: str
    state: str  # said in words on the band: ready, or the hotline to call for now
    band: str
    target: Target


def areas() -> list[Area]:
    """The menu's areas: the services (ready or hotline only) in menu order, the emergency
    numbers, talk to a person. At most eight services fit; more are left to the typed menu."""
    out = []
    for m in registry.discover()[:COLUMNS * ROWS - 2]:
        if m.ready:
            out.append(Area(m.name_th, m.menu_th, TEXTS["menu_ready"], READY,
                            Target(m.entry_intent)))
        else:
            out.append(Area(m.name_th, m.menu_th, TEXTS("menu_hotline_only",
                                                         hotline=m.hotlines[0]),
                            HOTLINE, Target(m.entry_intent)))
    out.append(Area(TEXTS["menu_emergency"], TEXTS["menu_emergency_sub"],
                    TEXTS["menu_emergency_state"], URGENT, Target("emergency")))
    out.append(Area(TEXTS["menu_person"], TEXTS["menu_person_sub"], TEXTS["menu_person_state"],
                    INK, Target("human_handoff")))
    return out


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


def _starts_syllable(ch: str) -> bool:
    """Whether a line may break before ``ch`` (not a Thai vowel or tone mark above or below,
    not a following vowel)."""
    return not ("\u0e30" <= ch <= "\u0e3a" or "\u0e45" <= ch <= "\u0e4e"
                or unicodedata.combining(ch))


def _wrapped(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
             width: int, cut: bool = True) -> list[str]:
    """``text`` in lines that fit ``width``: broken at spaces (Thai writes one between
    phrases), and (``cut``) a phrase too long for a line between characters that start a
    syllable."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
            continue
        if not cut:
            lines.append(word)
            continue
        line = ""
        for i, ch in enumerate(word):
            if line and _starts_syllable(ch) and not "\u0e40" <= word[i - 1] <= "\u0e44" \
                    and draw.textlength(line + word[i:i + 2], font=font) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


def _block(draw: ImageDraw.ImageDraw, text: str, path: Path, size: int, least: int,
           width: int, most: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font from ``size`` down to ``least`` at which ``text``, broken at spaces,
    takes at most ``most`` lines that fit ``width``; else at ``least``, phrases cut too."""
    while size > least:
        font = ImageFont.truetype(str(path), size)
        lines = _wrapped(draw, text, font, width, cut=False)
        if len(lines) <= most and all(draw.textlength(x, font=font) <= width for x in lines):
            return font, lines
        size -= 6
    font = ImageFont.truetype(str(path), least)
    return font, _wrapped(draw, text, font, width)


def render(menu: list[Area]) -> bytes:
    """The menu's PNG: per area a coloured band saying the service's state in white, the
    label large and bold (up to two lines), what it does under it; white separators."""
    path = font_path()
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    small = ImageFont.truetype(str(path), 60)
    for index, area in enumerate(menu):
        x, y, w, h = _bounds(index)
        pad, middle = 44, x + w / 2
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill="#F4F4F4", outline=PAPER, width=8)
        draw.rectangle((x + 8, y + 8, x + w - 9, y + 120), fill=area.band)
        draw.text((middle, y + 64), area.state, font=small, fill=PAPER, anchor="mm")
        font, lines = _block(draw, area.label, path, 120, 72, w - 2 * pad, 2)
        step = font.size * 1.25
        top = y + 300 - step * (len(lines) - 1) / 2
        for n, line in enumerate(lines):
            draw.text((middle, top + n * step), line, font=font, fill=INK, anchor="mm")
        sub, lines = _block(draw, area.sub, path, 64, 52, w - 2 * pad, 4)
        for n, line in enumerate(lines[:4]):
            draw.text((middle, y + 520 + n * sub.size * 1.3), line, font=sub, fill="#333333",
                      anchor="mm")
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
