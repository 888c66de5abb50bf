"""Demo pack: canon cards, works and procedural media that `culturebridge demo` loads."""

from culturebridge.demo.media import GENERATORS, MediaSpec, Rendered, generate
from culturebridge.demo.pack import (
    Creator,
    DemoPack,
    Derivation,
    Work,
    load_pack,
    render_many,
    render_media,
)

__all__ = [
    "GENERATORS",
    "Creator",
    "DemoPack",
    "Derivation",
    "MediaSpec",
    "Rendered",
    "Work",
    "generate",
    "load_pack",
    "render_many",
    "render_media",
]
