"""Procedural still images: paper-cuts, opera masks, lanterns and ink landscapes.

Each painter is pure: (rng, size) -> Pillow image, deterministic for a given seed.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

Rng = np.random.Generator
Floats = NDArray[np.float64]


def _polar(size: int) -> tuple[Floats, Floats]:
    """Radius (0 at centre, 1 at the edge midpoints) and angle of every pixel."""
    axis = (np.arange(size, dtype=np.float64) + 0.5) / size * 2.0 - 1.0
    x, y = np.meshgrid(axis, axis)
    return np.hypot(x, y), np.arctan2(y, x)


def paint_papercut(rng: Rng, size: int) -> Image.Image:
    """Red paper-cut (剪纸) window flower: n-fold rotational and mirror symmetry on rice paper."""
    folds = int(rng.integers(5, 11))
    r, theta = _polar(size)
    # Fold the angle into one wedge and mirror it, as paper is folded before cutting.
    wedge = math.pi / folds
    t = np.abs(((theta % (2 * wedge)) + 2 * wedge) % (2 * wedge) - wedge) / wedge  # 0..1
    petals = np.zeros_like(r)
    for _ in range(4):
        freq_r, freq_t = rng.uniform(6, 22), rng.integers(1, 4)
        phase = rng.uniform(0, 2 * math.pi)
        petals += np.cos(freq_r * r + phase) * np.cos(freq_t * math.pi * t)
    rings = np.cos(r * rng.uniform(30, 50)) > 0.85
    paper = (petals > rng.uniform(-0.3, 0.3)) | rings
    paper &= r < 0.92
    paper |= (r > 0.95) & (r < 0.98)  # outer frame of the cut
    paper &= ~((r > 0.4) & (r < 0.44) & (t < 0.5))  # cut-out crescents
    paper |= r < 0.08
    mask = Image.fromarray((paper * 255).astype(np.uint8))
    background = Image.new("RGB", (size, size), "#f3e7cf")
    shadow = mask.filter(ImageFilter.GaussianBlur(size / 200))
    background.paste((120, 90, 70), (size // 160, size // 160), shadow)
    background.paste((196, 22, 28), (0, 0), mask)
    return background


_MASK_PALETTES: dict[str, tuple[str, str, str]] = {
    # Peking-opera colour conventions: red loyal, black upright, white treacherous,
    # blue bold, gold divine. (base, pattern, accent)
    "red": ("#c8102e", "#111111", "#f5f5f5"),
    "black": ("#1c1c1c", "#f5f5f5", "#c8102e"),
    "white": ("#f4f1ea", "#1c1c1c", "#7a1c1c"),
    "blue": ("#1f4e9c", "#111111", "#f5f5f5"),
    "gold": ("#d4a017", "#1c1c1c", "#c8102e"),
}
MASK_COLOURS = tuple(_MASK_PALETTES)


def _mask_backdrop(rng: Rng, size: int) -> Image.Image:
    """A dark stage backdrop of its own per seed: a tinted gradient, broad bands and glows."""
    top = tuple(int(v) for v in rng.integers(10, 70, 3))
    bottom = tuple(int(v) for v in rng.integers(10, 70, 3))
    img = _vertical_gradient(size, size, top, bottom)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(3, 7))):
        colour = tuple(int(v) for v in rng.integers(20, 140, 3))
        x, y = rng.uniform(0, size), rng.uniform(0, size)
        rx, ry = rng.uniform(0.1, 0.45) * size, rng.uniform(0.1, 0.45) * size
        draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=colour)
    angle = rng.uniform(0, math.pi)
    period = rng.uniform(0.08, 0.25) * size
    for k in range(-12, 13):
        if k % 2:
            continue
        dx, dy = math.cos(angle) * k * period, math.sin(angle) * k * period
        ex, ey = math.cos(angle + math.pi / 2) * size * 2, math.sin(angle + math.pi / 2) * size * 2
        c = size / 2
        draw.line((c + dx - ex, c + dy - ey, c + dx + ex, c + dy + ey), fill=tuple(int(v) for v in rng.integers(0, 90, 3)),
                  width=max(2, int(period / 3)))
    return img.filter(ImageFilter.GaussianBlur(size / 60))


def paint_opera_mask(rng: Rng, size: int, colour: str) -> Image.Image:
    """Symmetric Peking-opera-style face (京剧脸谱) in the conventional colour's palette.

    Each seed draws its own face (proportions, brows, eyes, cheek and forehead patterns) on
    its own backdrop, so two masks of one colour are different pictures to a copy detector.
    """
    base, pattern, accent = _MASK_PALETTES[colour]
    img = _mask_backdrop(rng, size)
    draw = ImageDraw.Draw(img)
    cx, s = size / 2, size / 100 * rng.uniform(0.78, 1.0)
    oy = size * rng.uniform(0.0, 0.12)

    def at(x: float, y: float) -> tuple[float, float]:
        """A point of the 100x100 face design, placed on the canvas."""
        return cx + (x - 50) * s, oy + y * s

    half_w, top, bottom = rng.uniform(26, 38), rng.uniform(4, 14), rng.uniform(86, 98)
    draw.ellipse((*at(50 - half_w, top), *at(50 + half_w, bottom)), fill=base, outline=pattern, width=max(1, int(s)))
    # Draw the left half's features, then mirror that half onto the right.
    brow_y = rng.uniform(28, 40)
    brow = [at(46, brow_y + rng.uniform(0, 4)), at(rng.uniform(18, 26), brow_y - rng.uniform(4, 14)),
            at(50 - half_w + rng.uniform(2, 6), brow_y + rng.uniform(-2, 6)), at(rng.uniform(30, 40), brow_y + rng.uniform(2, 7))]
    draw.polygon(brow, fill=pattern)
    eye_w, eye_h = rng.uniform(7, 14), rng.uniform(4, 10)
    ex, ey = at(50 - rng.uniform(11, 18), rng.uniform(42, 52))
    if rng.uniform() < 0.5:
        draw.ellipse((ex - eye_w * s, ey - eye_h * 1.6 * s, ex + eye_w * s, ey + eye_h * 1.6 * s), fill=pattern)
    else:
        draw.polygon([(ex - eye_w * s, ey), (ex, ey - eye_h * 2 * s), (ex + eye_w * s, ey), (ex, ey + eye_h * s)],
                     fill=pattern)
    draw.ellipse((ex - 3.5 * s, ey - 2 * s, ex + 3.5 * s, ey + 2 * s), fill=accent)
    for _ in range(int(rng.integers(1, 4))):  # cheek swirls
        cy, r = rng.uniform(55, 80), rng.uniform(6, 14)
        x0 = rng.uniform(50 - half_w + 2, 40)
        draw.arc((*at(x0 - r, cy - r), *at(x0 + r, cy + r)), int(rng.uniform(0, 180)), int(rng.uniform(200, 360)),
                 fill=pattern if rng.uniform() < 0.6 else accent, width=max(1, int(rng.uniform(1, 3) * s)))
    for _ in range(int(rng.integers(1, 4))):  # painted strokes
        points = [at(rng.uniform(50 - half_w + 4, 49), rng.uniform(top + 6, bottom - 6)) for _ in range(3)]
        draw.line(points, fill=accent if rng.uniform() < 0.5 else pattern, width=max(1, int(rng.uniform(1, 2.5) * s)))
    draw.chord((*at(rng.uniform(36, 42), rng.uniform(74, 80)), *at(50, rng.uniform(86, 92))), 90, 270, fill=accent)
    half = img.crop((0, 0, size // 2, size))
    img.paste(half.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (size - size // 2, 0))
    # Forehead mark and nose sit on the axis, drawn after mirroring.
    draw = ImageDraw.Draw(img)
    mark, w = int(rng.integers(0, 4)), rng.uniform(3, 7)
    if mark == 0:
        draw.polygon([at(50, top + 6), at(50 - w, top + 22), at(50 + w, top + 22)], fill=accent)
    elif mark == 1:
        draw.ellipse((*at(50 - w, top + 10), *at(50 + w, top + 10 + 2 * w)), fill=accent, outline=pattern,
                     width=max(1, int(s)))
    elif mark == 2:
        draw.rectangle((*at(50 - w / 2, top + 4), *at(50 + w / 2, top + 26)), fill=pattern)
    else:
        draw.polygon([at(50, top + 4), at(50 - w, top + 14), at(50, top + 24), at(50 + w, top + 14)], fill=accent)
    nose = rng.uniform(4, 8)
    draw.ellipse((*at(50 - nose, 58), *at(50 + nose, 64 + nose / 2)), fill=pattern)
    return img


def _vertical_gradient(
    width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    colours = (1 - ramp) * np.array(top) + ramp * np.array(bottom)
    return Image.fromarray(np.broadcast_to(colours, (height, width, 3)).astype(np.uint8))


def paint_lanterns(rng: Rng, size: int) -> Image.Image:
    """Night sky with glowing red lanterns, after the Zigong lantern festival (自贡灯会)."""
    img = _vertical_gradient(size, size, (10, 12, 40), (60, 20, 50))
    glow = Image.new("RGB", (size, size), (0, 0, 0))
    body = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    gdraw, bdraw = ImageDraw.Draw(glow), ImageDraw.Draw(body)
    for _ in range(int(rng.integers(5, 10))):
        w = rng.uniform(0.08, 0.18) * size
        h = w * rng.uniform(0.8, 1.2)
        x, y = rng.uniform(w, size - w), rng.uniform(h, size * 0.75)
        gdraw.ellipse((x - 1.6 * w, y - 1.6 * h, x + 1.6 * w, y + 1.6 * h), fill=(150, 60, 24))
        bdraw.line((x, 0, x, y - h / 2), fill=(40, 30, 30, 255), width=max(1, size // 400))
        bdraw.ellipse((x - w / 2, y - h / 2, x + w / 2, y + h / 2), fill=(214, 30, 30, 255))
        for k in (0.12, 0.3):  # ribs of the bamboo frame
            bdraw.ellipse(
                (x - w * k, y - h / 2, x + w * k, y + h / 2),
                outline=(150, 10, 10, 255),
                width=max(1, size // 500),
            )
        cap = (x - w / 4, y - h / 2 - h / 10, x + w / 4, y - h / 2 + h / 20)
        bdraw.rectangle(cap, fill=(230, 180, 40, 255))
        bdraw.rectangle(
            (cap[0], y + h / 2 - h / 20, cap[2], y + h / 2 + h / 10), fill=(230, 180, 40, 255)
        )
        bdraw.line((x, y + h / 2, x, y + h), fill=(230, 180, 40, 255), width=max(2, size // 200))
    glow = glow.filter(ImageFilter.GaussianBlur(size / 25))
    img = Image.fromarray(
        np.minimum(255, np.asarray(img, np.uint16) + np.asarray(glow, np.uint16)).astype(np.uint8)
    )
    out = img.convert("RGBA")
    out.alpha_composite(body)
    return out.convert("RGB")


def _ridge(rng: Rng, width: int, roughness: float) -> Floats:
    """A smooth random mountain ridge line of width samples, values in about [-1, 1]."""
    steps = rng.normal(0.0, roughness, width).cumsum()
    kernel = np.hanning(max(3, width // 12))
    smooth = np.convolve(steps - steps.mean(), kernel / kernel.sum(), mode="same")
    peak = float(np.abs(smooth).max()) or 1.0
    return smooth / peak


def paint_landscape(rng: Rng, width: int, height: int) -> Image.Image:
    """Ink-wash landscape (山水): layered ridges fading into mist, a pale sun and a red seal."""
    img = _vertical_gradient(width, height, (236, 228, 210), (214, 206, 188))
    draw = ImageDraw.Draw(img)
    sun_x, sun_y, sun_r = (
        rng.uniform(0.15, 0.85) * width,
        rng.uniform(0.12, 0.3) * height,
        height * 0.06,
    )
    draw.ellipse((sun_x - sun_r, sun_y - sun_r, sun_x + sun_r, sun_y + sun_r), fill=(214, 120, 90))
    layers = 5
    for i in range(layers):
        depth = i / (layers - 1)
        tone = int(190 - 150 * depth)
        base = height * (0.35 + 0.13 * i)
        ridge = base - _ridge(rng, width, 1.0) * height * (0.16 - 0.02 * i)
        points = (
            [(0.0, float(height))]
            + [(float(x), float(y)) for x, y in enumerate(ridge)]
            + [(float(width), float(height))]
        )
        draw.polygon(points, fill=(tone, tone, tone - 8))
        img = img.filter(ImageFilter.GaussianBlur(1.5 * (layers - i))) if i < layers - 1 else img
        draw = ImageDraw.Draw(img)
    seal = height // 14
    draw.rectangle((width - 2 * seal, seal, width - seal, 2 * seal), fill=(180, 30, 30))
    return img
