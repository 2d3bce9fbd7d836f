"""What `paperfeed run` and `paperfeed web` share: the address they serve, which becomes
PAPERFEED_SITE_URL's and ALLOWED_HOSTS' defaults when those are not set, and gunicorn's command
line with a control socket and an access logger of its own."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

logger = logging.getLogger(__name__)

MAIL_FILES = "paperfeed.core.mailfiles.EmailBackend"  # the default with no EMAIL_HOST
WILDCARDS = {"", "0.0.0.0", "::", "[::]", "*"}  # noqa: S104 - names of "every interface"
# sun_path is 108 bytes on Linux (104 on macOS), terminator included.
MAX_SOCKET_PATH = 100
ACCESS_LOGGER = "paperfeed.core.accesslog.AccessLogger"


def split_bind(bind: str) -> tuple[str, int] | None:
    """(host, port) of a gunicorn ``--bind`` value; None for a Unix socket or no port."""
    if bind.startswith(("unix:", "fd://")):
        return None
    host, _, port = bind.rpartition(":")
    if not port.isdigit():
        return None
    return host, int(port)


def _url_host(host: str) -> str:
    host = host.strip("[]")
    return f"[{host}]" if ":" in host else host


def _outward_address() -> str | None:
    """The address of the interface traffic leaves by (a UDP connect sends nothing): the one
    a browser on the local network would type."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    return None


def _public_name() -> str:
    fqdn = socket.getfqdn()
    if "." in fqdn and not fqdn.startswith("localhost"):
        return fqdn
    return _outward_address() or socket.gethostname()


def _machine_names() -> list[str]:
    """Names and addresses other machines may use to reach this one."""
    names = [socket.gethostname(), socket.getfqdn(), _outward_address() or ""]
    with contextlib.suppress(OSError):
        names += [str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None)]
    return list(dict.fromkeys(name for name in names if name))


def served_url(host: str, port: int) -> str:
    """The base URL a reader uses for this server: on every interface, the machine's name (or
    its address when it has no domain name)."""
    name = _public_name() if host in WILDCARDS else host
    return f"http://{_url_host(name)}" + ("" if port == 80 else f":{port}")


def serving_defaults(
    *, host: str, port: int, allowed_hosts: list[str], environ: dict[str, str]
) -> dict[str, str]:
    """Environment values the operator left unset that the served address decides:
    PAPERFEED_SITE_URL, and ALLOWED_HOSTS when serving on every interface."""
    values = {}
    if not environ.get("PAPERFEED_SITE_URL"):
        values["PAPERFEED_SITE_URL"] = served_url(host, port)
    if host in WILDCARDS and not environ.get("ALLOWED_HOSTS"):
        names = [name for name in _machine_names() if name not in allowed_hosts]
        values["ALLOWED_HOSTS"] = " ".join([*allowed_hosts, *(_url_host(n) for n in names)])
    return values


def log_defaults(values: dict[str, str]) -> None:
    for name, value in values.items():
        logger.info("%s is not set: using %s", name, value)


def control_socket_args(*, bind: str, data_dir: Path, extra: list[str]) -> list[str]:
    """gunicorn's control socket for this instance, under the data directory (gunicorn's own
    default, ~/.gunicorn/gunicorn.ctl, is one file for every instance of a user)."""
    if any(arg.startswith(("--control-socket", "--no-control-socket")) for arg in extra):
        return []
    path = data_dir / f"gunicorn-{re.sub(r'[^A-Za-z0-9.-]+', '-', bind).strip('-')}.ctl"
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        logger.warning("data directory path too long for a Unix socket: gunicorn control off")
        return ["--no-control-socket"]
    return ["--control-socket", str(path)]


def logger_class_args(*, extra: list[str], environ: Mapping[str, str]) -> list[str]:
    """gunicorn's default access log line, written at a fraction of its cost
    (core/accesslog.py), unless the operator names a logger class: on the command line, or in
    GUNICORN_CMD_ARGS, which gunicorn reads under its command line."""
    given = any(arg.startswith("--logger-class") for arg in extra)
    if given or "--logger-class" in environ.get("GUNICORN_CMD_ARGS", ""):
        return []
    return ["--logger-class", ACCESS_LOGGER]


def gunicorn_argv(
    *, bind: str, workers: int, data_dir: Path, extra: list[str], environ: Mapping[str, str]
) -> list[str]:
    # This interpreter's gunicorn, so it works from a venv that is not activated.
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "paperfeed.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        *control_socket_args(bind=bind, data_dir=data_dir, extra=extra),
        *logger_class_args(extra=extra, environ=environ),
        *extra,
    ]
