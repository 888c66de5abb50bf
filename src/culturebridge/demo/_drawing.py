"""Shared drawing for the image and video generators: fonts per script, titles, encoding."""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

Script = Literal["cjk", "thai", "arabic"]

# Debian `fonts-noto-cjk` ships TrueType collections; index 2 of the Sans/Serif .ttc is the
# Simplified Chinese (SC) face (0 is Japanese). Noto CJK also covers Latin, Cyrillic, kana
# and hangul, but not Thai or Arabic: those titles use `fonts-thai-tlwg-ttf` / DejaVu Sans.
FONT_CANDIDATES: Mapping[Script, tuple[tuple[str, int], ...]] = {
    "cjk": (
        ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ),
    "thai": (
        ("/usr/share/fonts/truetype/noto/NotoSansThai-Bold.ttf", 0),
        ("/usr/share/fonts/truetype/tlwg/Garuda-Bold.ttf", 0),
        ("/usr/share/fonts/truetype/tlwg/Loma-Bold.ttf", 0),
    ),
    "arabic": (
        ("/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf", 0),
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    ),
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def script_of(text: str) -> Script:
    """The script whose font a title needs: thai or arabic if it has such letters, else cjk."""
    if any("\u0e00" <= ch <= "\u0e7f" for ch in text):
        return "thai"
    if any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in text):
        return "arabic"
    return "cjk"


def find_font(script: Script = "cjk") -> tuple[str, int] | None:
    """The first installed font (path, face index) for script, or None."""
    for path, index in FONT_CANDIDATES[script]:
        if Path(path).is_file():
            return path, index
    return None


@lru_cache(maxsize=64)
def title_font(size: int, script: Script = "cjk") -> Font:
    """A font for script at size; Pillow's default font if none is installed."""
    found = find_font(script)
    if found is None:
        # Fall back loudly: titles still render, but the script's letters show as boxes.
        log.warning(
            "no %s font found (install fonts-noto-cjk / fonts-thai-tlwg-ttf); "
            "titles use Pillow's default font",
            script,
        )
        return ImageFont.load_default(size)
    return ImageFont.truetype(found[0], size, index=found[1])


def draw_title(
    image: Image.Image, title: str, *, fill: str = "#fdf6e3", band: str = "#00000088"
) -> None:
    """Draw title centred on a translucent band at the bottom of image (in place)."""
    if not title:
        return
    width, height = image.size
    size = max(14, height // 14)
    script = script_of(title)
    font = title_font(size, script)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    left, top, right, bottom = draw.textbbox((0, 0), title, font=font)
    while right - left > width * 0.92 and size > 12:
        size = int(size * 0.85)
        font = title_font(size, script)
        left, top, right, bottom = draw.textbbox((0, 0), title, font=font)
    pad = size // 2
    y0 = height - (bottom - top) - 3 * pad
    draw.rectangle((0, y0, width, height), fill=band)
    draw.text(((width - (right - left)) / 2 - left, y0 + pad - top), title, font=font, fill=fill)
    base = image.convert("RGBA")
    base.alpha_composite(overlay)
    image.paste(base.convert(image.mode))


def encode_image(image: Image.Image, fmt: str) -> tuple[bytes, str, str]:
    """Encode as PNG or JPEG: (bytes, file extension, media type)."""
    buf = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(buf, "JPEG", quality=88, optimize=False)
        return buf.getvalue(), "jpg", "image/jpeg"
    image.save(buf, "PNG", optimize=False, compress_level=6)
    return buf.getvalue(), "png", "image/png"
