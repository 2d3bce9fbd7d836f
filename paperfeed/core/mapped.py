"""A process's resident pages of memory-mapped data files, and giving them back.

The search index (tantivy) and the neighbour and recommendation builds are read through
memory maps. Every page a request reads stays resident in the worker, and RSS counts it, until
the kernel needs the memory: at 2.7 M papers the index's pages reached 297 MB of a worker's
432 MB. They are clean pages of files, shared with every process that maps them and kept in
the page cache, so :func:`release` only takes them out of this process's page tables
(``madvise(MADV_DONTNEED)``): the files and the cache are untouched, the next read maps the
page again from the cache (a minor fault, no disk read). Safe while another thread reads the
same map: it faults the page back in. Pure: no Django (paperfeed.core.middleware calls it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Sequence

PAGE = os.sysconf("SC_PAGE_SIZE")
_MADV_DONTNEED = 4
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)


# (pid, descriptor) of /proc/self/statm, opened once per process: the middleware asks after
# every request, and opening the file cost ~45 µs of the ~50 a read took; a read from the start
# of a kept descriptor makes the kernel write the figures anew.
_statm: tuple[int, int] | None = None


def file_resident_bytes() -> int:
    """This process's resident file-backed (and shared) pages, in bytes: code and libraries,
    and the data files it maps. One read of ``/proc/self/statm``, a few microseconds."""
    global _statm
    try:
        pid = os.getpid()
        if _statm is None or _statm[0] != pid:
            # "self" is resolved when opened: a forked worker opens its own (and closes the
            # copy of its parent's it inherited).
            if _statm is not None:
                os.close(_statm[1])
            _statm = None
            _statm = (pid, os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC))
        shared = int(os.pread(_statm[1], 256, 0).split()[2])
    except (OSError, ValueError, IndexError):
        return 0
    return shared * PAGE


def mapped_ranges(prefixes: Sequence[str]) -> list[tuple[int, int]]:
    """(start, length) of this process's mappings of files under any of ``prefixes``."""
    ranges = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) < 6 or not fields[5].startswith(tuple(prefixes)):
                    continue
                start, end = (int(part, 16) for part in fields[0].split("-"))
                ranges.append((start, end - start))
    except OSError:
        return []
    return ranges


def release(prefixes: Sequence[str]) -> int:
    """Drop this process's resident pages of the files mapped under ``prefixes``; the number
    of bytes of mappings given back (resident or not)."""
    released = 0
    for start, length in mapped_ranges(prefixes):
        if _libc.madvise(start, length, _MADV_DONTNEED) == 0:
            released += length
    return released
