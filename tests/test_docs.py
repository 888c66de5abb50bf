"""The README and docs stay true: every command and setting is documented."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from culturebridge.cli import app
from culturebridge.settings import SETTINGS, Settings

ROOT = Path(__file__).resolve().parents[1]


def _command_paths(group: object, prefix: str = "") -> list[str]:
    import typer.main

    command = typer.main.get_command(app) if group is app else group
    out: list[str] = []
    for name, sub in getattr(command, "commands", {}).items():
        path = f"{prefix} {name}".strip()
        if getattr(sub, "commands", None):
            out.extend(_command_paths(sub, path))
        else:
            out.append(path)
    return out


def test_every_setting_is_declared_once_and_documented() -> None:
    assert [s.name for s in SETTINGS] == [f.name for f in fields(Settings)]
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in doc]
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def test_every_command_is_in_the_readme_or_docs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))
    )
    commands = _command_paths(app)
    assert "works add" in commands and "init" in commands
    missing = []
    for path in commands:
        group, _, leaf = path.rpartition(" ")
        documented = f"culturebridge {path}" in text or (group and f"culturebridge {group} " in text and leaf in text)
        if not documented:
            missing.append(path)
    assert not missing, f"commands missing from README/docs: {missing}"


def test_every_command_has_help() -> None:
    import typer.main

    def walk(command: object) -> list[tuple[str, str | None]]:
        found = []
        for name, sub in getattr(command, "commands", {}).items():
            found.append((name, getattr(sub, "help", None)))
            found.extend(walk(sub))
        return found

    undocumented = [name for name, text in walk(typer.main.get_command(app)) if not text]
    assert not undocumented, f"commands without help text: {undocumented}"
