from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature

from culturebridge.rights.bundle import CHECKS, build_bundle
from culturebridge.rights.log import TransparencyLog
from tests.rights.test_bundle import MEDIA, _populated, _register

DOC = Path(__file__).resolve().parents[2] / "docs" / "evidence-bundle.md"


def _independent_verifier() -> Any:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Verifying without culturebridge", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {"__name__": "doc_snippet"}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


def test_the_documented_snippet_verifies_our_bundles(sqlite_log: TransparencyLog, tmp_path: Path) -> None:
    verify = _independent_verifier()
    index = _populated(sqlite_log)
    _register(sqlite_log, "more", b"more media")
    bundle = json.loads(json.dumps(build_bundle(sqlite_log, index)))
    media = tmp_path / "m.png"
    media.write_bytes(MEDIA)
    assert verify(bundle, [str(media)])["work_id"] == "work-shadow-puppets"
    for field, value in [("leaf_index", bundle["leaf_index"] + 1), ("tree_size", bundle["tree_size"] + 1),
                         ("inclusion_proof", bundle["inclusion_proof"][::-1])]:
        bad = copy.deepcopy(bundle)
        bad[field] = value
        with pytest.raises((AssertionError, ValueError, InvalidSignature)):
            verify(bad)
    bad = copy.deepcopy(bundle)
    bad["claim"]["rights_holder"] = "Mallory"
    with pytest.raises((AssertionError, ValueError, InvalidSignature)):
        verify(bad)


def test_every_check_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for check in CHECKS:
        assert f"**{check}**" in text
