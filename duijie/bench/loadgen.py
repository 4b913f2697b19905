"""A small closed-loop HTTP load generator: C threads, each with its own keep-alive connection
(``http.client``), send R requests in all and time each one to the last byte of the body.

Bounded on purpose: a fixed number of requests, a time limit, and only ``127.0.0.1``.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"
HEADERS = {
    # A browser-like agent: the bot filter of the view counter must not skip these visits.
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) duijie-bench/1",
    "Accept": "text/html,application/xhtml+xml",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, successful (200) responses only
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0
    truncated: bool = False

    def figures(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        done = len(ordered) + self.errors
        return {
            "requests": done,
            "errors": self.errors,
            "statuses": dict(sorted(self.statuses.items())),
            "p50_ms": _ms(percentile(ordered, 50)),
            "p95_ms": _ms(percentile(ordered, 95)),
            "p99_ms": _ms(percentile(ordered, 99)),
            "mean_ms": _ms(sum(ordered) / len(ordered) if ordered else None),
            "max_ms": _ms(ordered[-1] if ordered else None),
            "rps": round(done / self.seconds, 1) if self.seconds else None,
            "mean_bytes": round(self.bytes / len(ordered)) if ordered else None,
            **({"truncated": True} if self.truncated else {}),
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default) over sorted values."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run(port: int, paths: Sequence[str], *, requests: int, concurrency: int, time_limit: float,
        timeout: float = 60.0) -> Result:
    """Send ``requests`` GETs (``paths`` in turn) over ``concurrency`` connections; stop early at ``time_limit``."""
    result = Result()
    counter = itertools.count()
    lock = threading.Lock()
    deadline = time.perf_counter() + time_limit

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        try:
            while True:
                n = next(counter)
                if n >= requests:
                    return
                if time.perf_counter() > deadline:
                    result.truncated = True
                    return
                path = paths[n % len(paths)]
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers=HEADERS)
                    response = conn.getresponse()
                    body = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    with lock:
                        result.errors += 1
                        result.statuses["exception"] = result.statuses.get("exception", 0) + 1
                    continue
                elapsed = time.perf_counter() - started
                if response.will_close:
                    conn.close()
                with lock:
                    result.statuses[str(status)] = result.statuses.get(str(status), 0) + 1
                    if status == 200:
                        result.latencies.append(elapsed)
                        result.bytes += len(body)
                    else:
                        result.errors += 1
        finally:
            conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, concurrency))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=HEADERS)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
