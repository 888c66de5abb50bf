"""Explicit AI labels made by other parties: a visible 「AI生成」 / "AI-generated" notice.

GB 45438 §5: an explicit label contains 「人工智能」 or 「AI」 together with 「生成」 and/or
「合成」, at the start, end or a suitable middle position of a text, or at an edge or corner
of a picture or the opening frames of a video. Our own labels are recognised exactly
(`explicit`); this module finds anyone's, in any wording that meets §5:
- text: a regular expression over the whole text (Chinese and English wordings);
- pictures and video frames: offline OCR with Tesseract (Debian `tesseract-ocr` +
  `tesseract-ocr-chi-sim`), greyscale, doubled and contrast-stretched first. Without
  Tesseract installed pictures are not read (`ocr_available()` says so); nothing is sent
  anywhere.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from culturebridge.catalog import DEFAULT_MAX_WHOLE_PIXELS, open_reduced
from culturebridge.errors import CorruptMedia, ExternalServiceError

# OCR reads the capital I of "AI" as l, 1 or |; a text may write ＡＩ in full width.
_AI = r"(?:人工智能|[AＡ][IＩl1|])"
_ZH = re.compile(_AI + r"\s*(?:辅助|参与)?\s*(?:生成|合成)")
_EN = re.compile(
    r"\b(?:A[Il1|]|artificial intelligence)[\s\-]*(?:generated|synthesi[sz]ed)\b"
    r"|\b(?:generated|synthesi[sz]ed|created|made|produced)\s+(?:by|with|using)\s+(?:an?\s+)?(?:A[Il1|]|artificial intelligence)\b",
    re.IGNORECASE,
)
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fffA-Za-z])|(?<=[A-Za-z])\s+(?=[\u3400-\u9fff])")
OCR_TIMEOUT_S = 60


def find_text_notice(text: str) -> str | None:
    """The first §5-conforming AI notice anywhere in text (anyone's wording), else None."""
    for pattern in (_ZH, _EN):
        m = pattern.search(text)
        if m:
            return m.group(0)
    return None


def ocr_available() -> bool:
    """True if Tesseract is installed (pictures and frames can be read)."""
    return shutil.which("tesseract") is not None


def _ocr(png: bytes) -> str:
    with tempfile.TemporaryDirectory(prefix="cb-ocr-") as tmp:
        path = Path(tmp) / "in.png"
        path.write_bytes(png)
        try:
            done = subprocess.run(
                ["tesseract", str(path), "stdout", "-l", "chi_sim+eng", "--psm", "11"],
                capture_output=True, timeout=OCR_TIMEOUT_S, check=False,
            )
        except subprocess.TimeoutExpired:
            raise ExternalServiceError(f"tesseract took over {OCR_TIMEOUT_S}s to read a picture") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ExternalServiceError(f"tesseract failed: {err[0]}", hint="install tesseract-ocr and tesseract-ocr-chi-sim")
    return done.stdout.decode("utf-8", "replace")


def find_image_notice(
    data: bytes, *, max_side: int = 1600, max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS
) -> str | None:
    """The AI notice visible in a picture (OCR), else None; None also when OCR is not installed.
    A picture that only decodes whole (GIF, TIFF, WebP) above `max_whole_pixels` is refused
    (`MediaTooLarge`)."""
    if not ocr_available():
        return None
    try:
        # an animated picture: its first frame; a huge PNG decodes in strips, never at full size
        grey = open_reduced(data, 2 * max_side, max_whole_pixels=max_whole_pixels).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise CorruptMedia(f"image cannot be decoded: {exc}") from None
    scale = min(2.0, max_side / max(grey.size))
    if scale != 1.0:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))))
    out = io.BytesIO()
    ImageOps.autocontrast(grey).save(out, "PNG")
    text = _CJK_GAP.sub("", _ocr(out.getvalue()))
    return find_text_notice(text)
