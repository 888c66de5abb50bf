"""Benchmark of the fingerprint stage: copy-detection accuracy and lookup speed.

Images: source pictures (real photographs from scikit-image's samples and Debian wallpapers
when `desktop-base` is installed, plus procedural pictures) under each transformation of the
brief, and distractor pictures that copy nothing. For plain PDQ and for our method (PDQ +
ORB/RANSAC through the `Library`), the score threshold is set so that at most 1% of the
distractor queries match anything; recall per transformation is reported at that threshold
and at the library's default decision. Smaller runs for audio and video; speed of the
multi-index hash lookup at 1M codes.

    .venv/bin/python bench/fingerprint.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

from culturebridge.fingerprint.audio import compare_audio, fingerprint_audio
from culturebridge.fingerprint.image import (
    ImageFingerprint,
    compare_images,
    fingerprint_array,
    query_fingerprint_array,
)
from culturebridge.fingerprint.index import HashIndex
from culturebridge.fingerprint.matcher import Fingerprint, Library
from culturebridge.fingerprint.video import compare_videos, fingerprint_video

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PHOTOS = ("astronaut", "brick", "camera", "chelsea", "clock", "coffee", "coins", "grass",
          "gravel", "hubble_deep_field", "immunohistochemistry", "moon", "retina", "rocket",
          "cell")  # fmt: skip
WALLPAPERS = Path("/usr/share/desktop-base")  # Debian desktop-base: PNG art per theme


# --- pictures -------------------------------------------------------------------------------


def _photos() -> list[Image.Image]:
    import skimage.data

    out = [Image.fromarray(getattr(skimage.data, n)()).convert("RGB") for n in PHOTOS]
    for img in out:
        img.thumbnail((800, 800))
    themes = sorted(WALLPAPERS.glob("*-theme")) if WALLPAPERS.is_dir() else []
    for theme in themes:  # one picture per theme: the 4x3 and 16x9 versions are the same art
        pngs = sorted(theme.rglob("*.png"), key=lambda p: -p.stat().st_size)
        if pngs and pngs[0].stat().st_size > 50_000:
            img = Image.open(pngs[0]).convert("RGB")
            img.thumbnail((800, 800))
            out.append(img)
    return out


def procedural(seed: int) -> Image.Image:
    """A picture of shapes, lines and text over a textured gradient (style chosen by seed)."""
    rng = np.random.default_rng(seed)
    w, h = int(rng.integers(360, 720)), int(rng.integers(300, 560))
    noise = rng.normal(0, 1, (h // 16 + 2, w // 16 + 2, 3))
    field = np.asarray(
        Image.fromarray(((noise - noise.min()) / np.ptp(noise) * 255).astype(np.uint8)).resize(
            (w, h), Image.Resampling.BICUBIC
        ),
        np.float64,
    )
    ramp = np.linspace(0, 1, w)[None, :, None] * rng.uniform(-80, 80, 3)
    arr = np.clip(field * rng.uniform(0.3, 0.9) + ramp + rng.uniform(0, 120), 0, 255)
    img = Image.fromarray(arr.astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(10, 50))):
        x0, y0 = int(rng.integers(-40, w)), int(rng.integers(-40, h))
        x1, y1 = x0 + int(rng.integers(8, 160)), y0 + int(rng.integers(8, 160))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = rng.integers(0, 4)
        if shape == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif shape == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour, outline=(0, 0, 0))
        elif shape == 2:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(1, 8)))
        else:
            draw.polygon([(x0, y0), (x1, y0 + 20), (x0 + 30, y1)], fill=colour)
    return img


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _crop(frac: float, rng: np.random.Generator) -> Callable[[Image.Image], Image.Image]:
    def apply(img: Image.Image) -> Image.Image:
        w, h = img.size
        left, top = rng.uniform(0, frac), rng.uniform(0, frac)  # `frac` of each side, split
        return img.crop(
            (int(left * w), int(top * h), int(w - (frac - left) * w), int(h - (frac - top) * h))
        )

    return apply


def _text(img: Image.Image) -> Image.Image:
    out = img.copy()
    w, h = out.size
    font = ImageFont.truetype(CJK_FONT, max(8, int(h * 0.05)))
    ImageDraw.Draw(out).text((int(w * 0.03), int(h * 0.92)), "AI生成", font=font, fill="white",
                             stroke_width=1, stroke_fill="black")  # fmt: skip
    return out


def _border(img: Image.Image) -> Image.Image:
    w, h = img.size
    return ImageOps.expand(img.resize((w, int(h * 0.8))), border=(0, int(h * 0.1)), fill=0)


def transforms(rng: np.random.Generator) -> dict[str, Callable[[Image.Image], Image.Image]]:
    """The brief's transformations (crops take `frac` of width and height, at random sides)."""
    return {
        "resize 50%": lambda im: im.resize(
            (im.size[0] // 2, im.size[1] // 2), Image.Resampling.BILINEAR
        ),
        "JPEG q30": lambda im: _jpeg(im, 30),
        "crop 5%": _crop(0.05, rng),
        "crop 10%": _crop(0.10, rng),
        "mirror": ImageOps.mirror,
        "text overlay": _text,
        "brightness +20%": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
        "brightness -20%": lambda im: ImageEnhance.Brightness(im).enhance(0.8),
        "letterbox 10%": _border,
        "rotate 3°": lambda im: im.rotate(3, resample=Image.Resampling.BILINEAR),
        "crop5+mirror+jpeg": lambda im: _jpeg(ImageOps.mirror(_crop(0.05, rng)(im)), 50),
        "text+resize": lambda im: _text(im).resize((im.size[0] * 2 // 3, im.size[1] * 2 // 3)),
    }


def _fingerprint(img: Image.Image) -> ImageFingerprint:
    return fingerprint_array(np.asarray(img.convert("RGB")))


def _query(img: Image.Image) -> ImageFingerprint:
    # Pixels go straight in (JPEG transformations were encoded for real); decoding is
    # exercised by the tests, and PNG round trips would dominate the run time here.
    return query_fingerprint_array(np.asarray(img.convert("RGB")))


# --- image accuracy ---------------------------------------------------------------------------


def _threshold(negative_scores: list[float], max_fp: float = 0.01) -> float:
    """Smallest threshold t with share(negatives >= t) <= max_fp."""
    ranked = sorted(negative_scores, reverse=True)
    allowed = int(np.floor(max_fp * len(ranked)))
    return (ranked[allowed] + 1e-9) if allowed < len(ranked) else 0.0


def bench_images(n_sources: int, n_distractors: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    photos = _photos()
    sources = photos[:n_sources] + [
        procedural(seed * 10_000 + i) for i in range(max(0, n_sources - len(photos)))
    ]
    distractors = [procedural(seed * 10_000 + 5000 + i) for i in range(n_distractors)]
    print(f"\nimages: {len(sources)} sources ({min(len(photos), n_sources)} real photographs), "
          f"{len(distractors)} distractors")  # fmt: skip

    t0 = time.perf_counter()
    refs = [_fingerprint(im) for im in sources]
    t_fp = time.perf_counter() - t0
    library = Library()
    t0 = time.perf_counter()
    for i, fp in enumerate(refs):
        library.add(f"w{i}", f"a{i}", Fingerprint("image", fp))
    t_build = time.perf_counter() - t0
    ref_pdq = np.stack([np.frombuffer(fp.hashes[0].bits, np.uint8) for fp in refs])

    def plain_pdq(fp: ImageFingerprint) -> np.ndarray:
        q = np.frombuffer(fp.hashes[0].bits, np.uint8)
        distances: np.ndarray = np.unpackbits(ref_pdq ^ q, axis=1).sum(axis=1)
        return distances

    def ours(fp: ImageFingerprint) -> dict[int, float]:
        return {n: compare_images(fp, refs[n]).score for n in library.image_candidates(fp)}

    neg_pdq, neg_ours, neg_default = [], [], 0
    t0 = time.perf_counter()
    for im in distractors:
        fp = _query(im)
        neg_pdq.append(-float(plain_pdq(fp).min()))
        scores = ours(fp)
        neg_ours.append(max(scores.values(), default=0.0))
        neg_default += bool(library.match(Fingerprint("image", fp)))
    t_neg = time.perf_counter() - t0
    pos: dict[str, tuple[list[float], list[float], list[bool], list[bool]]] = {}
    t0 = time.perf_counter()
    n_queries = 0
    for name, apply in transforms(rng).items():
        p_pdq, p_ours, p_default, p_pdq31 = [], [], [], []
        for i, im in enumerate(sources):
            fp = _query(apply(im))
            d = plain_pdq(fp)
            p_pdq.append(-float(d[i]))
            p_pdq31.append(bool(d[i] <= 31))
            p_ours.append(ours(fp).get(i, 0.0))
            p_default.append(
                any(m.work_id == f"w{i}" for m in library.match(Fingerprint("image", fp)))
            )
            n_queries += 1
        pos[name] = (p_pdq, p_ours, p_default, p_pdq31)
    t_pos = time.perf_counter() - t0

    t_pdq, t_ours = _threshold(neg_pdq), _threshold(neg_ours)
    fp_pdq = np.mean(np.array(neg_pdq) >= t_pdq)
    fp_ours = np.mean(np.array(neg_ours) >= t_ours)
    fp_pdq31 = np.mean(np.array(neg_pdq) >= -31)
    print(f"thresholds at <=1% false positives: plain PDQ distance <= {-t_pdq:.0f} "
          f"(FP {fp_pdq:.1%}); ours score >= {t_ours:.3f} (FP {fp_ours:.1%})")  # fmt: skip
    print(f"fixed decisions: PDQ <= 31 FP {fp_pdq31:.1%}; library default (score >= 0.5) "
          f"FP {neg_default / len(distractors):.1%}")  # fmt: skip
    print(
        f"{'transformation':<20} {'PDQ@1%FP':>9} {'PDQ<=31':>8} {'ours@1%FP':>10} {'ours default':>13}"
    )
    for name, (p_pdq, p_ours, p_default, p_pdq31) in pos.items():
        r_pdq = np.mean(np.array(p_pdq) >= t_pdq)
        r_ours = np.mean(np.array(p_ours) >= t_ours)
        print(
            f"{name:<20} {r_pdq:>9.1%} {np.mean(p_pdq31):>8.1%} {r_ours:>10.1%} {np.mean(p_default):>13.1%}"
        )
    print(f"speed: reference fingerprints {len(refs) / t_fp:.1f} images/s (PDQ x3 + ORB x2); "
          f"library build {t_build * 1000:.0f} ms; queries (fingerprint + match) "
          f"{(t_neg + t_pos) / (len(distractors) + n_queries) * 1000:.0f} ms each")  # fmt: skip


# --- hash index speed -----------------------------------------------------------------------


def bench_index(n: int, queries: int = 500) -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    index = HashIndex()
    t0 = time.perf_counter()
    index.add(np.arange(n), codes)
    index.rebuild()
    t_build = time.perf_counter() - t0
    probes = codes[:queries].copy()
    for row in probes:
        for b in rng.choice(256, 31, replace=False):
            row[b // 8] ^= 1 << (b % 8)
    t0 = time.perf_counter()
    found = sum(index.search(p.tobytes(), 31)[:1] == [(i, 31)] for i, p in enumerate(probes))
    t_q = (time.perf_counter() - t0) / queries
    t0 = time.perf_counter()
    for p in probes[:50]:
        np.unpackbits(codes ^ p, axis=1).sum(axis=1)
    t_lin = (time.perf_counter() - t0) / 50
    print(f"\nhash index: {n:,} codes, build {t_build:.2f} s; radius-31 query {t_q * 1000:.3f} ms "
          f"(linear numpy scan {t_lin * 1000:.1f} ms, x{t_lin / t_q:.0f}); planted found {found}/{queries}")  # fmt: skip


def bench_hash_speed(count: int = 100) -> None:
    imgs = [np.asarray(procedural(i).resize((1024, 1024))) for i in range(count)]
    from culturebridge.fingerprint.image import pdq_hash

    t0 = time.perf_counter()
    for a in imgs:
        pdq_hash(a)
    t_pdq = (time.perf_counter() - t0) / count
    t0 = time.perf_counter()
    for a in imgs:
        fingerprint_array(a)
    t_all = (time.perf_counter() - t0) / count
    print(
        f"hashing 1024x1024: PDQ {1 / t_pdq:.0f} images/s; full fingerprint {1 / t_all:.1f} images/s"
    )


# --- audio and video ---------------------------------------------------------------------------


def _ffmpeg(*args: str, data: bytes | None = None) -> None:
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", *args], input=data, check=True, timeout=300
    )


def _melody(path: Path, seed: int, seconds: int = 40) -> Path:
    rate = 22050
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * 0.25)) / rate
    parts = []
    for n in rng.integers(45, 86, seconds * 4):
        f = 440.0 * 2 ** ((int(n) - 69) / 12)
        parts.append(sum(np.sin(2 * np.pi * f * k * t) / k for k in (1, 2, 3)) * np.exp(-3 * t))
    sig = np.concatenate(parts)
    _ffmpeg("-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "-", str(path),
            data=(sig / np.abs(sig).max() * 0.6).astype("<f4").tobytes())  # fmt: skip
    return path


def bench_audio(tracks: int, tmp: Path) -> None:
    rng = np.random.default_rng(3)
    refs = [_melody(tmp / f"track{i}.wav", 100 + i) for i in range(tracks)]
    prints = [fingerprint_audio(p) for p in refs]
    cases: dict[str, list[tuple[bool, float]]] = {}
    negatives: list[float] = []
    for i, path in enumerate(refs):
        start = float(rng.uniform(0, 28))
        variants = {
            "MP3 128k": (["-c:a", "libmp3lame", "-b:a", "128k"], ".mp3", 0.0),
            "volume x0.5": (["-af", "volume=0.5"], ".wav", 0.0),
            "noise -26 dB": (
                ["-af", "volume=1", "-f", "lavfi", "-i", "anoisesrc=amplitude=0.05:duration=40"],
                ".wav",
                0.0,
            ),
            "10-s excerpt (MP3)": (["-c:a", "libmp3lame", "-b:a", "128k"], ".mp3", start),
        }
        for name, (args, suffix, offset) in variants.items():
            out = tmp / f"q{i}{suffix}"
            if name.startswith("noise"):
                _ffmpeg("-i", str(path), "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.05:duration=40",
                        "-filter_complex", "amix=inputs=2:duration=first:normalize=0", str(out))  # fmt: skip
            elif offset:
                _ffmpeg("-ss", f"{offset:.3f}", "-t", "10", "-i", str(path), *args, str(out))
            else:
                _ffmpeg("-i", str(path), *args, str(out))
            r = compare_audio(fingerprint_audio(out), prints[i])
            cases.setdefault(name, []).append((r.is_match, abs(r.offset_seconds - offset)))
            if name.startswith("10-s"):
                q = fingerprint_audio(out)
                negatives.extend(
                    compare_audio(q, p).is_match for j, p in enumerate(prints) if j != i
                )
    print(f"\naudio: {tracks} 40-s tracks; bit-error threshold 0.25")
    for name, rows in cases.items():
        print(f"{name:<20} matched {np.mean([m for m, _ in rows]):>6.1%}   "
              f"max offset error {max(e for _, e in rows):.2f} s")  # fmt: skip
    print(f"{'excerpt vs other':<20} false matches {np.mean(negatives):.1%} of {len(negatives)}")


def _video(path: Path, seed: int, seconds: int = 40, rate: int = 10) -> Path:
    shots = [
        np.asarray(procedural(seed * 100 + i).resize((400, 300))) for i in range(seconds // 3 + 1)
    ]
    frames = []
    for n in range(seconds * rate):
        shot = shots[n // (3 * rate)]
        zoom = 1.0 + 0.02 * ((n % (3 * rate)) / rate)
        ch, cw = int(300 / zoom), int(400 / zoom)
        y0, x0 = (300 - ch) // 2, (400 - cw) // 2
        frames.append(
            np.asarray(
                Image.fromarray(shot[y0 : y0 + ch, x0 : x0 + cw]).resize((320, 240))
            ).tobytes()
        )
    _ffmpeg("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "320x240", "-r", str(rate), "-i", "-",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
            data=b"".join(frames))  # fmt: skip
    return path


def bench_video(videos: int, tmp: Path) -> None:
    rng = np.random.default_rng(4)
    refs = [_video(tmp / f"v{i}.mp4", 700 + i) for i in range(videos)]
    prints = [fingerprint_video(p) for p in refs]
    cases: dict[str, list[tuple[bool, float]]] = {}
    negatives: list[float] = []
    for i, path in enumerate(refs):
        start = float(rng.uniform(0, 29))
        variants = {
            "re-encode crf 35": (["-c:v", "libx264", "-crf", "35"], 0.0),
            "downscale 50%": (["-vf", "scale=160:120"], 0.0),
            "10-s clip": (["-vf", "scale=240:180"], start),
        }
        for name, (args, offset) in variants.items():
            out = tmp / f"vq{i}.mp4"
            pre = ["-ss", f"{offset:.2f}", "-t", "10"] if offset else []
            _ffmpeg(*pre, "-i", str(path), *args, str(out))
            q = fingerprint_video(out)
            r = compare_videos(q, prints[i])
            cases.setdefault(name, []).append((r.is_match, abs(r.offset_seconds - offset)))
            if offset:
                negatives.extend(
                    compare_videos(q, p).is_match for j, p in enumerate(prints) if j != i
                )
    print(f"\nvideo: {videos} 40-s videos (3-s shots); vPDQ >= 80% of frames within 31")
    for name, rows in cases.items():
        print(f"{name:<20} matched {np.mean([m for m, _ in rows]):>6.1%}   "
              f"max offset error {max(e for _, e in rows):.2f} s")  # fmt: skip
    print(f"{'clip vs other':<20} false matches {np.mean(negatives):.1%} of {len(negatives)}")


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small run (about a minute)")
    parser.add_argument("--index-only", action="store_true", help="only the 1M-hash lookup speed")
    args = parser.parse_args()
    if args.index_only:
        bench_index(1_000_000)
        return
    import cv2

    cv2.setNumThreads(1)  # the machine is shared: no oversubscription
    quick = args.quick
    t0 = time.perf_counter()
    bench_images(40 if quick else 200, 200 if quick else 1000)
    bench_index(100_000 if quick else 1_000_000)
    bench_hash_speed(20 if quick else 100)
    with tempfile.TemporaryDirectory() as tmp:
        bench_audio(3 if quick else 8, Path(tmp))
        bench_video(2 if quick else 5, Path(tmp))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
