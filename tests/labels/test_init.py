"""The package's public names load lazily, so the storage layer's import of `_tables` is cheap."""

from __future__ import annotations

import subprocess
import sys

from culturebridge import labels


def test_every_public_name_resolves() -> None:
    assert sorted(labels.__all__) == sorted([*labels._WHERE, "MediaKind", "sniff"])
    import culturebridge.labels.sniff  # noqa: F401  (the submodule must not shadow the function)

    assert callable(labels.sniff) and labels.sniff(b"%PDF-1.7") == labels.MediaKind.PDF
    for name in labels.__all__:
        assert getattr(labels, name) is not None


def test_importing_the_tables_and_jobs_does_not_load_media_libraries() -> None:
    heavy = ("c2pa", "pypdf", "mutagen", "culturebridge.labels.apply", "culturebridge.labels.explicit")
    code = (
        "import sys, culturebridge.labels._tables, culturebridge.labels.asset_check, culturebridge.labels.renditions, culturebridge.cli.labels;"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
