"""Hosts for tests/core/test_hosts.py: a network namespace per host when the machine allows it
(root, `ip netns`, veth), else separate processes on loopback; a TCP relay that lets the
hosts reach the services (PostgreSQL, Redis, SMTP) that listen on this machine's loopback; and
a client that spreads requests over the web hosts as a load balancer does."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@dataclass
class Network:
    namespaces: list[str]  # empty: every host is a process on loopback
    gateways: list[str]  # the address each host reaches this machine's services at
    addresses: list[str]  # each host's own address
    web_ports: list[int]

    @classmethod
    def create(cls, *, hosts: int) -> Network:
        if os.geteuid() == 0 and shutil.which("ip"):
            try:
                return cls._with_namespaces(hosts)
            except (subprocess.CalledProcessError, OSError):
                pass
        print("network namespaces unavailable: hosts are processes on loopback")
        return cls(
            [], ["127.0.0.1"] * hosts, ["127.0.0.1"] * hosts, [_free_port() for _ in range(hosts)]
        )

    @classmethod
    def _with_namespaces(cls, hosts: int) -> Network:
        tag = f"pf{os.getpid() % 100000}"
        third = (os.getpid() % 80) * 3
        made = cls([], [], [], [])
        try:
            for host in range(hosts):
                name, outside, inside = f"{tag}h{host}", f"{tag}o{host}", f"{tag}i{host}"
                subnet = f"10.213.{third + host}"
                _ip("netns", "add", name)
                made.namespaces.append(name)
                _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
                _ip("link", "set", inside, "netns", name)
                _ip("addr", "add", f"{subnet}.1/24", "dev", outside)
                _ip("link", "set", outside, "up")
                _ip("netns", "exec", name, "ip", "addr", "add", f"{subnet}.2/24", "dev", inside)
                _ip("netns", "exec", name, "ip", "link", "set", inside, "up")
                _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
                made.gateways.append(f"{subnet}.1")
                made.addresses.append(f"{subnet}.2")
                made.web_ports.append(8000)
        except Exception:
            made.destroy()
            raise
        print(f"hosts in network namespaces {made.namespaces}")
        return made

    def web_address(self, host: int) -> tuple[str, int]:
        return self.addresses[host], self.web_ports[host]

    def run(self, host: int, argv: list[str], **popen: object) -> subprocess.Popen:
        prefix = ["ip", "netns", "exec", self.namespaces[host]] if self.namespaces else []
        # Its own process group: a kill takes the host's every process (gunicorn's workers).
        return subprocess.Popen([*prefix, *argv], start_new_session=True, **popen)

    @staticmethod
    def kill(child: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)

    @staticmethod
    def wait_listening(address: str, port: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection((address, port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    @staticmethod
    def wait_refused(address: str, port: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection((address, port), timeout=1).close()
            except OSError:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{address}:{port} still accepts connections")
            time.sleep(0.05)

    def destroy(self) -> None:
        for name in self.namespaces:  # deleting a namespace deletes its veth pair
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        self.namespaces.clear()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Relay:
    """Listens on each gateway address, one port per target, and pipes bytes to the target."""

    listen_on: list[str]
    targets: dict[str, tuple[str, int]]
    ports: dict[tuple[int, str], int] = field(default_factory=dict)
    _listeners: list[socket.socket] = field(default_factory=list)
    _closed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        for host, address in enumerate(self.listen_on):
            for name, target in self.targets.items():
                listener = socket.create_server((address, 0))
                self.ports[(host, name)] = listener.getsockname()[1]
                self._listeners.append(listener)
                threading.Thread(target=self._accept, args=(listener, target), daemon=True).start()

    def port(self, host: int, name: str) -> int:
        return self.ports[(host, name)]

    def _accept(self, listener: socket.socket, target: tuple[str, int]) -> None:
        while not self._closed.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(target)
            except OSError:
                client.close()
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed.set()
        for listener in self._listeners:
            listener.close()


@dataclass
class Outcome:
    started: float
    ended: float
    host: int
    path: str
    status: int | None = None
    error: str | None = None


class HostFailure(Exception):
    def __init__(self, host: int, cause: Exception) -> None:
        super().__init__(f"host {host}: {type(cause).__name__}: {cause}")
        self.host = host


@dataclass
class Balancer:
    """Spreads requests over the web hosts that accept connections, as a load balancer does."""

    hosts: list[tuple[str, int]]
    down: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    turn: int = 0

    def request(self, method: str, path: str, body: bytes | None = None, headers=None, host=None):
        """(host index, status, body bytes); raises for a failure after the connection opened."""
        tried = set()
        while True:
            with self.lock:
                candidates = [i for i in range(len(self.hosts)) if i not in self.down | tried]
                if host is not None:
                    candidates = [host] if host not in tried else []
                if not candidates:
                    raise ConnectionRefusedError("no web host accepts connections")
                self.turn += 1
                index = candidates[self.turn % len(candidates)]
            address, port = self.hosts[index]
            conn = http.client.HTTPConnection(address, port, timeout=30)
            try:
                conn.connect()
            except OSError:
                # Refused before anything was sent: the balancer marks the host down and
                # sends the request elsewhere; nothing was lost.
                tried.add(index)
                with self.lock:
                    self.down.add(index)
                conn.close()
                continue
            try:
                conn.request(method, path, body=body, headers=headers or {})
                response = conn.getresponse()
                return index, response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                # A host killed mid-answer: a reset (OSError) or a cut body (IncompleteRead,
                # an HTTPException); either way the failure is that host's. It is marked down
                # at once, as a balancer's passive health check does: a dying host's socket
                # may still accept connections for a moment, and without this a load thread
                # could send it a second request (and fail twice) before it refuses them.
                with self.lock:
                    self.down.add(index)
                raise HostFailure(index, exc) from exc
            finally:
                conn.close()


def answer(balancer: Balancer, host: int, path: str) -> list:
    _, status, body = balancer.request("GET", path, host=host)
    assert status == 200, (path, status, body[:300])
    return [hit["paper"]["id"] for hit in json.loads(body)]


def consistent_within(balancer: Balancer, path: str, hosts: list[int], check, bound: float):
    """Seconds until every host answers ``path`` the same way, passing ``check``, in several
    requests in a row (each host runs several processes); fails past ``bound``."""
    started = time.monotonic()
    while True:
        answers = [answer(balancer, host, path) for host in hosts for _ in range(4)]
        if all(a == answers[0] for a in answers) and check(answers[0]):
            return time.monotonic() - started
        if time.monotonic() - started > bound:
            raise AssertionError(f"{path}: hosts still disagree after {bound} s: {answers}")
        time.sleep(0.2)


def snapshot_line(arxiv_id: str, title: str, abstract: str, authors: str) -> str:
    return json.dumps(
        {
            "id": arxiv_id,
            "submitter": authors.split(",")[0],
            "authors": authors,
            "title": title,
            "comments": None,
            "journal-ref": None,
            "doi": None,
            "report-no": None,
            "categories": "cs.LG cs.AI",
            "license": None,
            "abstract": abstract,
            "versions": [{"version": "v1", "created": "Mon, 2 Feb 2026 12:00:00 GMT"}],
            "update_date": "2026-02-02",
            "authors_parsed": [
                [name.split()[-1], name.split()[0], ""] for name in authors.split(", ")
            ],
        }
    )


def write_snapshot(
    path: Path, start: int, count: int, *, words: list[str], topic: str = ""
) -> list[str]:
    """``count`` papers in the bulk snapshot format (JSON lines), titles and abstracts from
    ``words`` (and ``topic``); their arXiv ids."""
    rng = random.Random(start)
    ids = []
    with path.open("w") as handle:
        for n in range(start, start + count):
            arxiv_id = f"2602.{n:05d}"
            words = rng.sample(words, 4)
            title = " ".join([topic, *words]).strip().capitalize() + " for everyone"
            abstract = f"We study {' and '.join(words)} {topic}. " * 3
            handle.write(snapshot_line(arxiv_id, title, abstract, f"Ada Lovelace, Author N{n}"))
            handle.write("\n")
            ids.append(arxiv_id)
    return ids
