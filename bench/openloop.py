"""Load for bench/soak.py: a closed-loop capacity probe, and an open loop that sends each
request at its own moment and counts latency from that moment, so a stall is not hidden by the
client waiting for it (no coordinated omission)."""

from __future__ import annotations

import http.client
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CLIENTS = 16
CAPACITY_SECONDS = 20

# A request: (method, path, body, headers), drawn from a random generator.
Request = tuple[str, str, bytes | None, dict[str, str]]
Draw = Callable[[random.Random], Request]


@dataclass
class Sample:
    at: float  # seconds since the soak began
    latency_ms: float
    ok: bool
    status: int


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def take(self) -> list[Sample]:
        with self.lock:
            taken, self.samples = self.samples, []
        return taken


def send(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _one(port: int, mix: Draw, rng: random.Random, due: float, began: float, out: Recorder) -> None:
    method, path, body, headers = mix(rng)
    try:
        status = send(port, method, path, body, headers)
        ok = status < 400
    except OSError:
        status, ok = 0, False
    now = time.monotonic()
    out.add(Sample(at=due - began, latency_ms=(now - due) * 1000, ok=ok, status=status))


def capacity(port: int, mix: Draw) -> float:
    """Requests per second a closed loop of CLIENTS clients gets through the mix."""
    done = [0] * CLIENTS
    stop = time.monotonic() + CAPACITY_SECONDS
    sink = Recorder()

    def client(n: int) -> None:
        rng = random.Random(n)
        while time.monotonic() < stop:
            _one(port, mix, rng, time.monotonic(), 0.0, sink)
            done[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = sum(not s.ok for s in sink.samples)
    if failed:
        codes = sorted({s.status for s in sink.samples if not s.ok})
        print(f"capacity run: {failed} failed requests (status {codes})", file=sys.stderr)
    return sum(done) / CAPACITY_SECONDS


def open_loop(port: int, mix: Draw, rate: float, seconds: float, out: Recorder) -> threading.Thread:
    """Send ``rate`` requests/s for ``seconds``, each at its own moment, from a pool of senders."""
    began = time.monotonic()
    interval = 1.0 / rate
    senders = max(CLIENTS, int(rate * 0.2) + 1)  # enough for 200 ms of latency at that rate

    def sender(n: int) -> None:
        rng = random.Random(1000 + n)
        k = n
        while True:
            due = began + k * interval
            if due - began > seconds:
                return
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            _one(port, mix, rng, due, began, out)
            k += senders

    def run() -> None:
        threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    driver = threading.Thread(target=run)
    driver.start()
    return driver
