"""Common keypoints (a shared explicit label) do not make unrelated images match; the IVF index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from culturebridge.fingerprint import keypoints
from culturebridge.fingerprint.image import fingerprint_array, query_fingerprint_array
from culturebridge.fingerprint.keypoints import KeypointIndex
from culturebridge.fingerprint.matcher import Fingerprint, Library

from .conftest import CJK_FONT, photo, procedural


def _labelled(img: Image.Image, glyph: float = 0.1) -> Image.Image:
    """The explicit label 「AI生成」 large in the lower-left corner (white, black outline)."""
    out = img.copy()
    w, h = out.size
    size = int(h * glyph)
    font = ImageFont.truetype(CJK_FONT, size)
    ImageDraw.Draw(out).text((int(w * 0.03), int(h * 0.84)), "AI生成", font=font, fill="white",
                             stroke_width=max(1, size // 12), stroke_fill="black")  # fmt: skip
    return out


def test_unrelated_images_with_the_same_large_label_do_not_match() -> None:
    sources = [photo(n) for n in ("astronaut", "coffee", "chelsea", "rocket")] + [procedural(s) for s in range(4)]
    lib = Library()
    for i, img in enumerate(sources):
        lib.add(f"w{i}", f"a{i}", Fingerprint("image", fingerprint_array(np.asarray(_labelled(img)))))
    strangers = [photo(n) for n in ("camera", "coins", "clock")] + [procedural(s) for s in range(10, 15)]
    for glyph in (0.08, 0.12):
        for img in strangers:
            query = Fingerprint("image", query_fingerprint_array(np.asarray(_labelled(img, glyph))))
            assert lib.match(query) == []
    # A real copy of a labelled image still matches: cropped 5% and re-labelled.
    img = _labelled(sources[1])
    w, h = img.size
    crop = img.crop((int(w * 0.05), int(h * 0.05), w, h))
    found = lib.match(Fingerprint("image", query_fingerprint_array(np.asarray(crop))))
    assert [m.asset_id for m in found] == ["a1"]


def test_keypoint_index_moves_to_ivf_and_still_finds_near_descriptors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keypoints, "IVF_MIN", 5000)
    rng = np.random.default_rng(0)
    index = KeypointIndex()
    blocks = [rng.integers(0, 256, (400, 32), dtype=np.uint8) for _ in range(20)]
    for n, block in enumerate(blocks):
        index.add(n, n, block)
    assert not index.approximate
    index.rebuild()
    assert index.approximate and len(index) == 8000
    query = blocks[7][:100].copy()
    query[:, 0] ^= 0b101  # two bits off
    owner, common = index.search(query)
    assert (owner == 7).mean() > 0.8 and not common.any()
    owner, _ = index.search(np.zeros((0, 32), np.uint8))
    assert len(owner) == 0


_RETRAIN_RSS = """
import re, sys
from pathlib import Path
import numpy as np
from culturebridge.fingerprint.keypoints import KeypointIndex

def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024

rng = np.random.default_rng(0)
index = KeypointIndex()
for i in range(500):  # 400,000 descriptors: trained at 100,000 (IVF_MIN), retrained at 4x that
    index.add(i, i, rng.integers(0, 256, (800, 32), dtype=np.uint8))
    if i == 124:
        index.rebuild()
before = rss()
index.rebuild()
assert index.approximate and index._trained_at == 400_000, index._trained_at
print(rss() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads resident memory from /proc")
def test_a_retrain_leaves_no_resident_growth_behind() -> None:
    # Measured in a child process: RSS of this test process depends on every test before it.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", _RETRAIN_RSS], capture_output=True, text=True, env=env, check=True)
    grown = int(out.stdout.strip())
    assert grown < 16 * 2**20, f"resident memory grew {grown:,} bytes across a retrain"  # 41 MB before the trim
