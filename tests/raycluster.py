"""A real two-node Ray cluster on loopback: a head and a worker node, each its own process tree."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.s3server import free_port


def _ports() -> list[str]:
    names = ("--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port",
             "--dashboard-agent-grpc-port", "--runtime-env-agent-port", "--metrics-export-port")
    return [arg for name in names for arg in (name, str(free_port()))]


@dataclass
class RayCluster:
    address: str
    temp_dir: Path
    env: dict[str, str]
    nodes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def kill(self, name: str) -> None:
        """Lose a node: its whole process tree is killed at once (SIGKILL), as a crashed machine."""
        node = self.nodes.pop(name)
        try:
            os.killpg(node.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        node.wait()

    def stop(self) -> None:
        for name in list(self.nodes):
            self.kill(name)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _ray() -> str:
    return str(Path(sys.executable).with_name("ray"))


def start_ray_cluster(env: dict[str, str], cpus_per_node: int = 1, log_dir: Path | None = None) -> RayCluster:
    """`ray start --head` and `ray start --address` (both `--block`, each in its own session)."""
    temp_dir = Path(tempfile.mkdtemp(prefix="cbray-"))
    env = {**env, "RAY_USAGE_STATS_ENABLED": "0"}
    port = free_port()
    cluster = RayCluster(f"127.0.0.1:{port}", temp_dir, env)
    logs = log_dir or temp_dir

    def start(name: str, args: list[str]) -> None:
        out = (logs / f"ray-{name}.log").open("wb")
        cluster.nodes[name] = subprocess.Popen(
            [_ray(), "start", "--block", "--disable-usage-stats", "--num-cpus", str(cpus_per_node),
             "--node-ip-address", "127.0.0.1", "--min-worker-port", "0", "--max-worker-port", "0", *_ports(), *args],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )

    start("head", ["--head", "--port", str(port), "--include-dashboard", "false",
                   "--ray-client-server-port", str(free_port()), "--temp-dir", str(temp_dir)])
    _wait_nodes(cluster, 1)
    start("worker", ["--address", cluster.address])
    _wait_nodes(cluster, 2)
    return cluster


def _wait_nodes(cluster: RayCluster, n: int) -> None:
    probe = ("import ray,sys; ray.init(address=sys.argv[1], log_to_driver=False); "
             "print(sum(1 for x in ray.nodes() if x['Alive'])); ray.shutdown()")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for name, node in cluster.nodes.items():
            if node.poll() is not None:
                raise RuntimeError(f"ray {name} node exited with {node.returncode}")
        done = subprocess.run([sys.executable, "-c", probe, cluster.address], env=cluster.env,
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode == 0 and done.stdout.strip().splitlines()[-1:] == [str(n)]:
            return
        time.sleep(1)
    cluster.stop()
    raise RuntimeError(f"the Ray cluster did not reach {n} nodes within 120 s")
