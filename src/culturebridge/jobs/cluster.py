"""Batches of work on a Ray cluster, or in this process: the one path batch commands share.

`culturebridge scan`, `fingerprint backfill` and `labels check` cut their input into batches
and call `run_batches`. With a Ray address each batch is a Ray task (one CPU; `max_retries`,
so a task lost with its node runs again elsewhere); the arguments shared by every batch are
put in Ray's object store once. Ray reuses a worker process for the tasks of one run, so a
task's start-up (imports, a database pool, a fingerprint library) is paid once per worker
process, not per batch — callers keep such state in module-level caches. The results come
back in batch order, one per batch: a retried task's result replaces its lost attempt's, and
whatever a task writes to the database it writes by key, so a retry records nothing twice.

Without an address the same batches run here, in order, through the same function.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from culturebridge.errors import ExternalServiceError, ExtraNotInstalled

T = TypeVar("T")
R = TypeVar("R")
TASK_RETRIES = 3
TASKS_PER_CPU = 2  # the share of what is left that one batch takes: 1 / (TASKS_PER_CPU * cpus)
MIN_BATCH = 4  # the smallest automatic batch: a task's own cost (scheduling, one write) stays small
MAX_BATCH = 64
Progress = Callable[[int, int], None]


def batches_for(items: Sequence[T], cpus: int, batch: int = 0) -> list[list[T]]:
    """`items` cut into batches of `batch`, or, when 0, into shrinking batches: each takes
    1 / (TASKS_PER_CPU * cpus) of the items still left (between MIN_BATCH and MAX_BATCH).

    Large first batches keep the number of tasks (and their fixed costs) low; small last
    ones keep the nodes busy to the end, since the last task to finish is a small one — with
    equal batches a node that is a batch behind leaves the others idle for a whole batch
    (guided self-scheduling, Polychronopoulos & Kuck, IEEE Trans. Computers 36(12), 1987).
    """
    if batch:
        return [list(items[i:i + batch]) for i in range(0, len(items), batch)]
    out: list[list[T]] = []
    start, share = 0, max(1, cpus * TASKS_PER_CPU)
    while start < len(items):
        size = max(MIN_BATCH, min(MAX_BATCH, math.ceil((len(items) - start) / share)))
        out.append(list(items[start:start + size]))
        start += size
    return out


def import_ray(feature: str) -> Any:
    """The `ray` module, or ExtraNotInstalled naming the `ray` extra."""
    try:
        import ray
    except ImportError as exc:
        raise ExtraNotInstalled(feature, "ray") from exc
    return ray


@contextmanager
def connected(ray_address: str, feature: str) -> Iterator[Any]:
    """Connect this process to the cluster (unless already connected: then leave it so)."""
    ray = import_ray(feature)
    if ray.is_initialized():
        yield ray
        return
    env = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "CULTUREBRIDGE_"))}
    with _stdout_to_stderr():
        try:
            ray.init(address=ray_address, runtime_env={"env_vars": env} if env else None,
                     log_to_driver=False, configure_logging=False)
        except Exception as exc:  # ConnectionError, a version mismatch ...
            raise ExternalServiceError(f"cannot reach the Ray cluster at {ray_address}: {exc}",
                                       hint="check the address (`ray status` on the head node)") from exc
        try:
            yield ray
        finally:
            ray.shutdown()


@contextmanager
def session(ray_address: str, feature: str) -> Iterator[None]:
    """One connection for a whole command (no-op without an address): `cluster_cpus` and
    `run_batches` inside it reuse it, so worker processes stay warm between their calls."""
    if not ray_address:
        yield
        return
    with connected(ray_address, feature):
        yield


def cluster_cpus(ray_address: str) -> int:
    """CPUs of the cluster at `ray_address` (1 when it runs in this process)."""
    if not ray_address:
        return 1
    with connected(ray_address, "a batch on Ray") as ray:
        return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_batches(fn: Callable[..., R], batches: Sequence[Sequence[Any]], *shared: Any, ray_address: str = "",
                progress: Progress | None = None, feature: str = "a batch on Ray") -> list[R]:
    """`fn(batch, *shared)` for every batch, on the cluster at `ray_address` or here; results in
    batch order. `progress(done_items, total_items)` after each batch."""
    total = sum(len(b) for b in batches)
    done = 0
    if not ray_address:
        out: list[R] = []
        for part in batches:
            out.append(fn(list(part), *shared))
            done += len(part)
            if progress is not None:
                progress(done, total)
        return out
    with connected(ray_address, feature) as ray, _stdout_to_stderr():
        task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES, retry_exceptions=False)(fn)
        refs = [ray.put(value) for value in shared]  # once, not once per task
        pending = {task.remote(list(part), *refs): i for i, part in enumerate(batches)}
        results: dict[int, R] = {}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                index = pending.pop(ref)
                try:
                    results[index] = ray.get(ref)
                except Exception as exc:  # the task failed on every attempt
                    raise ExternalServiceError(f"a batch task failed after {TASK_RETRIES} retries: {exc}",
                                               hint="check the Ray cluster (`ray status`)") from exc
                done += len(batches[index])
                if progress is not None:
                    progress(done, total)
        return [results[i] for i in range(len(batches))]


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Ray's core worker prints retry notices on file descriptor 1; keep stdout for results."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
