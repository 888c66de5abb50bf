"""`culturebridge jobs work` stops on Ctrl-C whichever of its threads the kernel hands the signal to."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from culturebridge.pipeline import init_platform
from culturebridge.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SYS_TGKILL = 234  # x86-64 Linux


def _worker(tmp_path: Path, *, sigint_ignored: bool = False) -> subprocess.Popen[bytes]:
    """A `jobs work` process, once it says it is working."""
    platform, _ = init_platform(Settings(data_dir=tmp_path / "data"), "admin", "password-for-tests")
    platform.close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
           "CULTUREBRIDGE_DATA_DIR": str(tmp_path / "data")}
    log = tmp_path / "worker.log"
    # An ignored signal stays ignored across exec: set it here, for the child to inherit (no
    # preexec_fn, which is unsafe in a process with threads).
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if sigint_ignored else None
    try:
        with log.open("wb") as out:
            worker = subprocess.Popen([sys.executable, "-m", "culturebridge", "jobs", "work"], env=env,
                                      stdout=out, stderr=subprocess.STDOUT)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    deadline = time.monotonic() + 60
    while b"Ctrl-C to stop" not in log.read_bytes():
        assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    return worker


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_worker_started_with_sigint_ignored_still_stops_gracefully(tmp_path: Path, stop: int) -> None:
    """As a background job of a script starts it (SIGINT ignored), or as systemd stops it (SIGTERM)."""
    worker = _worker(tmp_path, sigint_ignored=True)
    try:
        worker.send_signal(stop)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.uname().machine != "x86_64",
                    reason="tgkill's number is x86-64 Linux's")
def test_sigint_delivered_to_another_thread_still_stops_the_worker(tmp_path: Path) -> None:
    worker = _worker(tmp_path)
    try:
        others = [int(t) for t in os.listdir(f"/proc/{worker.pid}/task") if int(t) != worker.pid]
        assert others, "the worker runs its jobs on a thread of its own"
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.syscall(SYS_TGKILL, worker.pid, others[0], signal.SIGINT) == 0
        assert worker.wait(timeout=20) == 0  # stopped after its current job, not killed
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
