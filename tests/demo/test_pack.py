"""The demo pack loads, every reference resolves, and broken packs give clear errors."""

from __future__ import annotations

import hashlib
import io
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from culturebridge.demo import DemoPack, MediaSpec, load_pack, render_many, render_media
from culturebridge.demo.pack import pack_root
from culturebridge.errors import ConfigurationError, InvalidInput, LineageCycle

from .conftest import Probe

ALL_MARKETS = {"US/en", "ES/es", "FR/fr", "SA/ar", "TH/th", "MY/ms", "JP/ja", "KR/ko"}
HERITAGE_WORDS = ("剪纸", "皮影", "昆曲", "自贡", "脸谱", "苏绣", "茶", "龙舟")


@pytest.fixture(scope="module")
def pack() -> DemoPack:
    return load_pack()


def test_pack_has_about_thirty_works_of_every_kind(pack: DemoPack) -> None:
    assert 28 <= len(pack.works) <= 40
    assert {w.kind for w in pack.works} == {
        "story",
        "image",
        "audio",
        "video",
        "heritage",
        "micro-drama-episode",
    }
    assert 5 <= len(pack.creators) <= 6
    titles = " ".join(w.titles["zh"] for w in pack.works)
    for word in HERITAGE_WORDS:
        assert word in titles, word
    assert ALL_MARKETS <= set().union(*(w.markets for w in pack.works))


def test_every_reference_resolves(pack: DemoPack) -> None:
    creators = {c.username for c in pack.creators}
    ips = {c.name for c in pack.ips}
    ids = {w.id for w in pack.works}
    for w in pack.works:
        assert w.creator in creators
        assert w.ip is None or w.ip in ips
        assert w.derived_from is None or w.derived_from.work in ids
        assert {"zh", "en"} <= set(w.titles) and {"zh", "en"} <= set(w.synopses)
        assert w.media, w.id
    for c in pack.creators:
        assert c.role == "creator" and c.password


def test_lineage_has_chains_of_three(pack: DemoPack) -> None:
    chains = [pack.lineage(w.id) for w in pack.works]
    long_chains = [c for c in chains if len(c) == 3]
    assert len(long_chains) >= 3
    for chain in long_chains:
        kinds = [w.derived_from.kind for w in chain[:-1] if w.derived_from]
        assert kinds[0] == "translation"  # original -> adaptation/excerpt -> translation
    order = [w.id for w in pack.in_lineage_order()]
    for w in pack.works:
        if w.derived_from:
            assert order.index(w.derived_from.work) < order.index(w.id)


def test_flagged_derivatives_contradict_their_canon(pack: DemoPack) -> None:
    flagged = [w for w in pack.works if w.expect_review == "flag"]
    assert 2 <= len(flagged) <= 3
    for w in flagged:
        assert w.derived_from is not None and w.derived_from.ai_generated and w.ip
        card = pack.ip(w.ip)
        phrases = [p for f in card.facts for p in f.contradictions["en"]]
        phrases += [p for c in card.characters for t in c.traits for p in t.opposites["en"]]
        synopsis = w.synopses["en"].lower()
        # the canon card itself holds phrasings that catch each flagged synopsis
        assert any(p.lower() in synopsis for p in phrases), w.id
    bold = [
        w
        for w in pack.works
        if w.expect_review == "pass" and w.derived_from and w.derived_from.ai_generated
    ]
    assert len(bold) >= 3


def test_wukong_motorcycle_remake_is_in_the_pack(pack: DemoPack) -> None:
    remake = pack.work("jttw-wukong-road-rage")
    assert "motorcycle" in remake.synopses["en"] and "摩托车" in remake.synopses["zh"]
    assert [w.id for w in pack.lineage(remake.id)] == [
        "jttw-wukong-road-rage",
        "jttw-white-bone-demon",
    ]


# --- broken packs --------------------------------------------------------------------------


def _copy_pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    shutil.copytree(str(pack_root()), root)
    return root


def _edit_works(root: Path, edit: Any) -> None:
    path = root / "works.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    edit(data["works"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_copied_pack_loads_from_a_directory(tmp_path: Path) -> None:
    assert len(load_pack(_copy_pack(tmp_path)).works) == len(load_pack().works)


@pytest.mark.parametrize(
    "edit,fragment",
    [
        (lambda ws: ws[0].update(creator="nobody"), "'nobody' is not in creators.yaml"),
        (lambda ws: ws[0].update(ip="monkey-business"), "no canon card"),
        (
            lambda ws: ws[-1].update(
                derived_from={"work": "ghost", "kind": "remix", "tool": "x", "ai_generated": True}
            ),
            "'ghost' is not a work",
        ),
        (lambda ws: ws[0].update(kind="podcast"), "is not one of story"),
        (lambda ws: ws[0].update(markets=["USA"]), "markets"),
        (lambda ws: ws[0]["titles"].pop("en"), "needs both zh and en"),
        (lambda ws: ws[0]["media"].append({"generator": "hologram"}), "unknown media generator"),
        (lambda ws: ws[0]["media"][0]["params"].update(size=5000), "between 640 and 1024"),
        (lambda ws: ws[0]["media"][0]["params"].update(colur="red"), "'colur' is not a parameter"),
        (lambda ws: ws.append(dict(ws[0])), "duplicate 'heritage-papercut'"),
        (
            lambda ws: ws[1].update(
                derived_from={"work": "x", "kind": "sequel", "tool": "t", "ai_generated": True}
            ),
            "'sequel' is not one of",
        ),
    ],
)
def test_broken_references_are_clear_errors(tmp_path: Path, edit: Any, fragment: str) -> None:
    root = _copy_pack(tmp_path)
    _edit_works(root, edit)
    with pytest.raises(InvalidInput, match=fragment):
        load_pack(root)


def test_lineage_cycle_is_rejected(tmp_path: Path) -> None:
    root = _copy_pack(tmp_path)

    def make_cycle(works: list[dict[str, Any]]) -> None:
        source = next(w for w in works if w["id"] == "jttw-havoc-in-heaven")
        source["derived_from"] = {
            "work": "jttw-havoc-ai-animation-es",
            "kind": "remix",
            "tool": "t",
            "ai_generated": True,
        }

    _edit_works(root, make_cycle)
    with pytest.raises(LineageCycle, match="lineage cycle"):
        load_pack(root)


def test_malformed_yaml_and_missing_files(tmp_path: Path) -> None:
    root = _copy_pack(tmp_path)
    (root / "works.yaml").write_text("works: [unclosed", "utf-8")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        load_pack(root)
    (root / "works.yaml").unlink()
    with pytest.raises(ConfigurationError, match="missing"):
        load_pack(root)
    with pytest.raises(ConfigurationError, match="missing"):
        load_pack(tmp_path / "nowhere")


def test_bad_canon_card_names_the_file(tmp_path: Path) -> None:
    root = _copy_pack(tmp_path)
    (root / "ips" / "water-margin.yaml").write_text(
        "name: other-name\ntitles: {zh: 水浒传}\n", "utf-8"
    )
    with pytest.raises(InvalidInput, match="does not match the file name"):
        load_pack(root)


# --- media cache ---------------------------------------------------------------------------


def test_render_media_caches_and_heals_a_damaged_entry(tmp_path: Path) -> None:
    spec = MediaSpec("opera-mask", {"seed": 42, "title": "缓存"})
    first = render_media(spec, tmp_path / "cache")
    data_file = tmp_path / "cache" / f"{spec.digest()}.bin"
    stamp = data_file.stat().st_mtime_ns
    assert render_media(spec, tmp_path / "cache") == first
    assert data_file.stat().st_mtime_ns == stamp  # served from the cache, not rewritten
    data_file.write_bytes(first.data[:100])  # truncated cache entry
    assert render_media(spec, tmp_path / "cache") == first


def test_render_media_unwritable_cache_is_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigurationError, match="cannot write"):
        render_media(MediaSpec("opera-mask", {"seed": 1}), blocker / "cache")


@pytest.mark.slow
def test_whole_pack_renders_decodable_media(pack: DemoPack, tmp_path: Path, ffprobe: Probe) -> None:
    specs = [spec for w in pack.works for spec in w.media]
    started = time.perf_counter()
    rendered = render_many(specs, tmp_path / "cache", workers=2)
    elapsed = time.perf_counter() - started
    print(f"\ndemo pack: {len(specs)} media rendered in {elapsed:.1f} s (budget ~20 s on 2 cores)")
    assert len({hashlib.sha256(r.data).hexdigest() for r in rendered}) == len(
        specs
    )  # no two identical
    for spec, out in zip(specs, rendered):
        if out.media_type.startswith("image/"):
            Image.open(io.BytesIO(out.data)).load()
            continue
        report = ffprobe(out.data, out.filename)
        expected = float(spec.params.get("seconds", 8.0))
        assert float(report["format"]["duration"]) == pytest.approx(expected, abs=0.3), spec


def test_pack_media_are_named_after_their_work(pack: DemoPack, tmp_path: Path) -> None:
    spec = pack.work("heritage-opera-masks").media[1]
    assert spec.name == "heritage-opera-masks-2"
    assert render_media(spec, tmp_path).filename == "heritage-opera-masks-2.jpg"
    renamed = MediaSpec(spec.generator, spec.params, name="other")
    assert render_media(renamed, tmp_path).filename == "other.jpg"  # cache hit, own name
