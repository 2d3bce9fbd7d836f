"""Sources for the parsing-process tests. A child process imports this module to run them, so it
imports nothing of Django."""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections.abc import Iterator


def counting(count: int) -> Iterator[int]:
    yield from range(count)


def endless() -> Iterator[int]:
    yield from itertools.count()


def failing_after(count: int) -> Iterator[int]:
    yield from range(count)
    raise ValueError(f"line {count + 1}: the disk went away")


class Unpicklable(Exception):
    def __init__(self, a: int, b: int) -> None:  # pickling keeps one argument: loads fails
        super().__init__(f"{a} and {b}")


def failing_oddly() -> Iterator[int]:
    yield 1
    raise Unpicklable(1, 2)


def killed_after(count: int) -> Iterator[int]:
    yield from range(count)
    time.sleep(1)  # the queue's feeder thread sends the last batch meanwhile
    os.kill(os.getpid(), signal.SIGKILL)
    yield -1  # never reached


def small_then_large() -> Iterator[str]:
    yield "small"
    yield "x" * 1_000_000  # more than a pipe holds: the queue's feeder waits for a reader
