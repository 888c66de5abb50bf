"""The demo pack as plain data: creators, canon cards, works with media specs and lineage.

`load_pack()` reads the YAML files shipped in `culturebridge/demo/pack/` and validates
every reference (creators, IPs, source works, generators) and the lineage graph (no
cycles). `render_media(spec, cache_dir)` renders a work's media through a content cache.
The lead's `culturebridge demo` command loads a `DemoPack` into the catalog.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from culturebridge.catalog.canon import CanonCard
from culturebridge.demo.media import MediaSpec, Rendered, check_spec, generate
from culturebridge.errors import ConfigurationError, InvalidInput, LineageCycle

WorkKind = Literal["story", "image", "audio", "video", "heritage", "micro-drama-episode"]
DerivationKind = Literal["ai-adaptation", "translation", "excerpt", "remix"]
ReviewExpectation = Literal["pass", "flag"]
WORK_KINDS: tuple[str, ...] = get_args(WorkKind)
DERIVATION_KINDS: tuple[str, ...] = get_args(DerivationKind)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_MARKET = re.compile(r"^[A-Z]{2}/[a-z]{2,3}(-[A-Za-z0-9]+)*$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class Creator:
    """A demo account that owns works (role `creator`, a local-only demo password)."""

    username: str
    display_name: dict[str, str]
    role: str
    password: str


@dataclass(frozen=True)
class Derivation:
    """The edge from a derived work to its source."""

    work: str
    kind: DerivationKind
    tool: str
    ai_generated: bool


@dataclass(frozen=True)
class Work:
    """One demo work: texts per language, owner, IP, markets, media and lineage."""

    id: str
    kind: WorkKind
    titles: dict[str, str]
    synopses: dict[str, str]
    original_language: str
    creator: str
    ip: str | None
    markets: tuple[str, ...]
    media: tuple[MediaSpec, ...]
    derived_from: Derivation | None = None
    expect_review: ReviewExpectation | None = None


@dataclass(frozen=True)
class DemoPack:
    """Everything `culturebridge demo` loads, validated and cross-referenced."""

    creators: tuple[Creator, ...]
    ips: tuple[CanonCard, ...]
    works: tuple[Work, ...]

    def work(self, work_id: str) -> Work:
        """The work with this id; InvalidInput if there is none."""
        for w in self.works:
            if w.id == work_id:
                return w
        raise InvalidInput(f"demo pack has no work {work_id!r}")

    def ip(self, name: str) -> CanonCard:
        """The canon card with this name; InvalidInput if there is none."""
        for card in self.ips:
            if card.name == name:
                return card
        raise InvalidInput(f"demo pack has no IP {name!r}")

    def lineage(self, work_id: str) -> tuple[Work, ...]:
        """The work and its ancestors, nearest first (the work itself is first)."""
        chain = [self.work(work_id)]
        while (edge := chain[-1].derived_from) is not None:
            chain.append(self.work(edge.work))
        return tuple(chain)

    def in_lineage_order(self) -> tuple[Work, ...]:
        """Works ordered so every source comes before its derivatives (insertion order)."""
        return tuple(sorted(self.works, key=lambda w: len(self.lineage(w.id))))


# --- loading ------------------------------------------------------------------------------


def pack_root() -> Traversable:
    """The packaged data folder `culturebridge/demo/pack`."""
    return files("culturebridge.demo") / "pack"


def _read_yaml(node: Traversable, label: str) -> Any:
    try:
        return yaml.safe_load(node.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"demo pack file {label} is missing", hint="reinstall culturebridge"
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"demo pack file {label} is not valid YAML: {exc}") from exc


def _fail(where: str, what: str) -> InvalidInput:
    return InvalidInput(f"demo pack: {where}: {what}", hint="fix the demo pack's YAML files")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(where, f"expected a mapping, got {type(value).__name__}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "expected non-empty text")
    return value


def _texts(value: Any, where: str) -> dict[str, str]:
    out = {str(k): _str(v, f"{where}.{k}") for k, v in _mapping(value, where).items()}
    for lang in out:
        if not _LANG.match(lang):
            raise _fail(where, f"{lang!r} is not a language tag")
    if not {"zh", "en"} <= set(out):
        raise _fail(where, "needs both zh and en")
    return out


def _slug(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise _fail(where, f"{value!r} is not a slug (lowercase letters, digits, dashes)")
    return value


def _items(data: Any, key: str, label: str) -> list[Any]:
    items = _mapping(data, label).get(key)
    if not isinstance(items, list) or not items:
        raise _fail(label, f"expected a non-empty list under {key!r}")
    return items


def parse_creators(data: Any) -> tuple[Creator, ...]:
    """Creators from the parsed creators.yaml."""
    out: list[Creator] = []
    for i, raw in enumerate(_items(data, "creators", "creators.yaml")):
        where = f"creators[{i}]"
        c = _mapping(raw, where)
        role = _str(c.get("role"), f"{where}.role")
        if role != "creator":
            raise _fail(f"{where}.role", f"demo accounts are creators, got {role!r}")
        out.append(
            Creator(
                username=_slug(c.get("username"), f"{where}.username"),
                display_name=_texts(c.get("display_name"), f"{where}.display_name"),
                role=role,
                password=_str(c.get("password"), f"{where}.password"),
            )
        )
    return tuple(out)


def _media(raw: Any, where: str, name: str) -> MediaSpec:
    m = _mapping(raw, where)
    spec = MediaSpec(
        generator=_str(m.get("generator"), f"{where}.generator"),
        params=dict(_mapping(m.get("params") or {}, f"{where}.params")),
        name=name,
    )
    check_spec(spec)
    return spec


def _derivation(raw: Any, where: str) -> Derivation:
    d = _mapping(raw, where)
    kind, ai = d.get("kind"), d.get("ai_generated")
    if kind not in DERIVATION_KINDS:
        raise _fail(f"{where}.kind", f"{kind!r} is not one of {', '.join(DERIVATION_KINDS)}")
    if not isinstance(ai, bool):
        raise _fail(f"{where}.ai_generated", "expected true or false")
    return Derivation(
        work=_slug(d.get("work"), f"{where}.work"),
        kind=kind,
        tool=_str(d.get("tool"), f"{where}.tool"),
        ai_generated=ai,
    )


def parse_works(data: Any) -> tuple[Work, ...]:
    """Works from the parsed works.yaml (references are checked by `validate_pack`)."""
    out: list[Work] = []
    for i, raw in enumerate(_items(data, "works", "works.yaml")):
        w = _mapping(raw, f"works[{i}]")
        wid = _slug(w.get("id"), f"works[{i}].id")
        where = f"work {wid}"
        kind, expect = w.get("kind"), w.get("expect_review")
        if kind not in WORK_KINDS:
            raise _fail(f"{where}.kind", f"{kind!r} is not one of {', '.join(WORK_KINDS)}")
        if expect not in (None, "pass", "flag"):
            raise _fail(f"{where}.expect_review", "expected pass or flag")
        ip = w.get("ip")
        markets = w.get("markets")
        if (
            not isinstance(markets, list)
            or not markets
            or not all(isinstance(m, str) and _MARKET.match(m) for m in markets)
        ):
            raise _fail(f"{where}.markets", 'expected a non-empty list like ["US/en", "JP/ja"]')
        media = w.get("media") or []
        if not isinstance(media, list):
            raise _fail(f"{where}.media", "expected a list")
        language = _str(w.get("original_language"), f"{where}.original_language")
        if not _LANG.match(language):
            raise _fail(f"{where}.original_language", f"{language!r} is not a language tag")
        out.append(
            Work(
                id=wid,
                kind=kind,
                titles=_texts(w.get("titles"), f"{where}.titles"),
                synopses=_texts(w.get("synopses"), f"{where}.synopses"),
                original_language=language,
                creator=_slug(w.get("creator"), f"{where}.creator"),
                ip=None if ip in (None, "none") else _slug(ip, f"{where}.ip"),
                markets=tuple(markets),
                media=tuple(
                    _media(m, f"{where}.media[{j}]", f"{wid}-{j + 1}") for j, m in enumerate(media)
                ),
                derived_from=None
                if w.get("derived_from") is None
                else _derivation(w["derived_from"], f"{where}.derived_from"),
                expect_review=expect,
            )
        )
    return tuple(out)


def validate_pack(pack: DemoPack) -> None:
    """Check uniqueness, every creator/IP/source reference, and that lineage has no cycle."""
    for label, keys in (
        ("creator username", [c.username for c in pack.creators]),
        ("IP name", [c.name for c in pack.ips]),
        ("work id", [w.id for w in pack.works]),
    ):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise _fail(label, f"duplicate {dupes[0]!r}")
    creators, ips = {c.username for c in pack.creators}, {c.name for c in pack.ips}
    sources = {w.id: w.derived_from.work if w.derived_from else None for w in pack.works}
    for w in pack.works:
        if w.creator not in creators:
            raise _fail(f"work {w.id}.creator", f"{w.creator!r} is not in creators.yaml")
        if w.ip is not None and w.ip not in ips:
            raise _fail(f"work {w.id}.ip", f"{w.ip!r} has no canon card in ips/")
        if w.derived_from is not None and w.derived_from.work not in sources:
            raise _fail(
                f"work {w.id}.derived_from.work",
                f"{w.derived_from.work!r} is not a work of the pack",
            )
    for start in sources:
        seen: list[str] = []
        node: str | None = start
        while node is not None:
            if node in seen:
                # A derivation is a DAG edge source <- derived (DESIGN: lineage graph).
                raise LineageCycle(
                    f"demo pack: lineage cycle {' -> '.join([*seen, node])}",
                    hint="a work cannot derive from its own derivative",
                )
            seen.append(node)
            node = sources[node]


def load_pack(root: Traversable | Path | None = None) -> DemoPack:
    """Read and validate the demo pack (the packaged one unless root is given)."""
    base = pack_root() if root is None else root
    ips_dir = base / "ips"
    if not ips_dir.is_dir():
        raise ConfigurationError(
            f"demo pack folder {ips_dir} is missing", hint="reinstall culturebridge"
        )
    cards: list[CanonCard] = []
    for node in sorted(ips_dir.iterdir(), key=lambda n: n.name):
        if node.name.endswith(".yaml"):
            data = _read_yaml(node, f"ips/{node.name}")
            card = CanonCard.from_dict(_mapping(data, f"ips/{node.name}"))
            if card.name != node.name.removesuffix(".yaml"):
                raise _fail(
                    f"ips/{node.name}", f"card name {card.name!r} does not match the file name"
                )
            cards.append(card)
    pack = DemoPack(
        creators=parse_creators(_read_yaml(base / "creators.yaml", "creators.yaml")),
        ips=tuple(cards),
        works=parse_works(_read_yaml(base / "works.yaml", "works.yaml")),
    )
    validate_pack(pack)
    return pack


# --- media cache --------------------------------------------------------------------------


def render_media(spec: MediaSpec, cache_dir: Path) -> Rendered:
    """Render spec, reusing `cache_dir/<digest>` when present and intact."""
    key = spec.digest()
    data_path, meta_path = cache_dir / f"{key}.bin", cache_dir / f"{key}.json"
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
        data = data_path.read_bytes()
        if hashlib.sha256(data).hexdigest() == meta["sha256"]:
            # The name is not part of the cache key: equal specs of two works share bytes.
            return Rendered(data, spec.filename(str(meta["ext"])), str(meta["media_type"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent or damaged cache entry: render again
    rendered = generate(spec)
    meta = {
        "ext": rendered.filename.rsplit(".", 1)[-1],
        "media_type": rendered.media_type,
        "sha256": hashlib.sha256(rendered.data).hexdigest(),
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(data_path, rendered.data)
        _write_atomic(meta_path, json.dumps(meta).encode("utf-8"))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write the demo media cache {cache_dir}: {exc}",
            hint="pass a writable cache directory",
        ) from exc
    return rendered


def render_many(specs: Sequence[MediaSpec], cache_dir: Path, *, workers: int = 2) -> list[Rendered]:
    """Render specs through the cache on `workers` threads (ffmpeg and numpy release the GIL)."""
    if workers < 1:
        raise InvalidInput(f"workers must be at least 1, got {workers}")
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cb-demo-media") as pool:
        return list(pool.map(lambda spec: render_media(spec, cache_dir), specs))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
