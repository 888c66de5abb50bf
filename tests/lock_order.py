"""A request that waits for the write lock must wait off the event loop: the order proves it.

Another writer holds the lock while the request under test starts; a read-only request is then
made. If the waiting request had blocked the event loop, the read-only one could not answer
before the writer lets go (it does only once that answer came, or after a generous limit).
Ordering, not timing: if the request under test has not reached the lock within the pause,
the check cannot fail, so it never flakes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from culturebridge.platform import Platform


def order_while_locked(platform: Platform, client: TestClient, name: str, request: Callable[[], int]) -> list[str]:
    """Events in the order they happened: "<name> <status>", "other request answered", "writer let go"."""
    holding, answered, order = threading.Event(), threading.Event(), []

    def writer() -> None:
        with platform.db.write():
            holding.set()
            answered.wait(timeout=20)
            order.append("writer let go")

    def waiting() -> None:
        order.append(f"{name} {request()}")

    threads = [threading.Thread(target=writer), threading.Thread(target=waiting)]
    threads[0].start()
    assert holding.wait(timeout=20)
    threads[1].start()
    time.sleep(0.5)  # let the request reach the lock
    assert client.get("/login").status_code == 200
    order.append("other request answered")
    answered.set()
    for t in threads:
        t.join()
    return order
