"""`culturebridge users ...`: invites, roles, deactivation, reset links, tokens and the log from a shell."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from culturebridge.accounts import accept_invite, use_reset
from culturebridge.cli import main
from culturebridge.platform import open_platform
from culturebridge.settings import load_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("CULTUREBRIDGE_DATA_DIR", str(path))
    monkeypatch.setenv("CULTUREBRIDGE_PUBLIC_URL", "https://studio.example.org/")
    assert main(["init", "--password", "admin-password"]) == 0
    return path


def _out(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> str:
    capsys.readouterr()
    assert main(argv) == code, capsys.readouterr()
    return capsys.readouterr().out


def test_invite_role_deactivate_reset_and_log(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = json.loads(_out(capsys, ["users", "invite", "lan@example.org", "--role", "reviewer", "--json"]))
    assert made["url"].startswith("https://studio.example.org/invite/")
    platform = open_platform(load_settings(data_dir))
    try:
        with platform.db.write() as conn:
            accept_invite(conn, made["url"].rsplit("/", 1)[1], "lan", "lan-password")
    finally:
        platform.close()
    assert "lan is admin" in _out(capsys, ["users", "role", "lan", "admin"])
    assert "lan is deactivated" in _out(capsys, ["users", "deactivate", "lan"])
    listed = json.loads(_out(capsys, ["users", "list", "--json"]))
    assert {u["username"]: u["active"] for u in listed} == {"admin": True, "lan": False}
    capsys.readouterr()
    assert main(["users", "deactivate", "admin"]) == 4  # the last active admin
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: admin is the last active admin") and "\n" not in err
    assert "lan is active" in _out(capsys, ["users", "reactivate", "lan"])
    url = _out(capsys, ["users", "reset", "lan"]).splitlines()[0]
    platform = open_platform(load_settings(data_dir))
    try:
        with platform.db.write() as conn:
            use_reset(conn, url.rsplit("/", 1)[1], "new-lan-password")
    finally:
        platform.close()
    log = json.loads(_out(capsys, ["users", "log", "--user", "lan", "--json"]))
    assert [e["action"] for e in log["events"]] == [
        "reset-used", "reset-issued", "user-reactivated", "user-deactivated", "role-changed", "invite-accepted"]
    assert log["events"][1]["client"] == "cli"


def test_tokens_listed_without_secrets_and_revoked(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = _out(capsys, ["users", "token", "admin", "--name", "nightly"]).strip()
    listed = json.loads(_out(capsys, ["users", "tokens", "--json"]))
    assert len(listed) == 1 and secret not in json.dumps(listed) and listed[0]["last_used_at"] is None
    assert "revoked" in _out(capsys, ["users", "revoke-token", listed[0]["id"]])
    assert json.loads(_out(capsys, ["users", "tokens", "admin", "--json"])) == []
    _out(capsys, ["users", "invite", "=1+1@example.org"])  # a spreadsheet would run this as a formula
    rows = list(csv.reader(io.StringIO(_out(capsys, ["users", "log", "--action", "invite-created", "--csv"]))))
    assert rows[0][0] == "id" and rows[1][4] == "'=1+1@example.org"
    assert _out(capsys, ["users", "revoke-token", "t-missing"], code=3) == ""


def test_bad_input_is_one_line_and_the_right_code(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, code in ((["users", "invite", "not-an-email"], 2), (["users", "role", "admin", "emperor"], 2),
                       (["users", "deactivate", "nobody"], 3), (["users", "log", "--action", "drop"], 2),
                       (["users", "log", "--limit", "0"], 2)):
        capsys.readouterr()
        assert main(argv) == code, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and "\n" not in err
