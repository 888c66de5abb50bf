"""Open-loop HTTP load from its own process: GET a list of URLs at a fixed rate.

Run by `bench/feed.py` as `python bench/http_load.py RATE < urls.txt`; prints one JSON list
of latencies in milliseconds, each measured from the request's scheduled start (so
queueing counts: no coordinated omission), over one keep-alive connection per worker.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import httpx

WORKERS = 4


def main() -> None:
    """Issue request i at start + i / rate, spread over WORKERS keep-alive connections."""
    rate = float(sys.argv[1])
    urls = [line.strip() for line in sys.stdin if line.strip()]
    lat = [0.0] * len(urls)
    start = time.perf_counter() + 0.2

    def worker(w: int) -> None:
        with httpx.Client(timeout=30.0) as client:
            for i in range(w, len(urls), WORKERS):
                due = start + i / rate
                now = time.perf_counter()
                if now < due:
                    time.sleep(due - now)
                response = client.get(urls[i])
                if response.status_code != 200:
                    raise SystemExit(f"GET {urls[i]} failed: {response.status_code} {response.text[:200]}")
                lat[i] = (time.perf_counter() - due) * 1e3

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(lat))


if __name__ == "__main__":
    main()
