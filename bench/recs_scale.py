"""For you at full scale: 100 k members on a copy of the 1 M-paper catalogue, the real training
command, then ``/papers/for-you`` served to distinct members end to end.

    .venv/bin/python -m bench.recs_scale populate [--corpus sqlite-1m-recs] [--members 100000]
    .venv/bin/python -m bench.recs_scale train [--corpus …]
    .venv/bin/python -m bench.recs_scale serve [--corpus …] [--readers 250] [--profile 30]
    .venv/bin/python -m bench.recs_scale compare --base DIR [--rounds 4] [--readers 60]

``--corpus`` names ``var/bench/corpora/<name>.json`` or is a path to a ``….json`` (the ``env``
of a catalogue, as ``bench.corpus`` writes it). It must be a COPY that this bench may write to:
``populate`` adds members, libraries and upvotes to it (``cp`` the SQLite directory, or ``CREATE
DATABASE … TEMPLATE`` on PostgreSQL, and write a json naming it); the catalogues ``bench.corpus``
built are refused.

populate: migrates the copy, then adds ``--members`` members with libraries of CiteULike-a-like
sizes (log-normal, median 20 saved papers, a long tail to 2,000) and upvotes (median 4), drawn
with popularity skew over the papers of the last two years (a random popularity rank under a
Zipf law, times a recency decay of one year), 70 % from the member's own field (a primary
category, picked by its size) and 30 % from anywhere; signal times spread over the last year.
The bench catalogue has no similar-papers rows, so each drawn paper gets ``PAPERFEED_SIMILAR_K``
content neighbours from its own field (what the site's index would hold for it). Bulk SQL
inserts, no ORM object per row.

train: ``paperfeed recs train`` in a child process: wall, CPU (user + system) and peak RSS.

serve: ``--readers`` distinct random members (seeded) signed in with Django's test client; for
each, in turn: the page ``/papers/for-you`` (the view, the selector, the cards, the template),
the selector alone (``recs.selectors.for_you``: the database reads and the ranking), and the
ranking alone (the model's rows and ``hybrid.rank_for_reader`` over edges read beforehand), each
timed in wall and CPU (``time.process_time``: SQLite runs in this process, so its work counts;
on PostgreSQL on this host the connection's backend's CPU, from its ``/proc/<pid>/schedstat``, is
printed beside it as DB and the sum as +DB). Prints p50/p95/p99 of each and the load average.

compare: ``serve`` in child processes alternating between an exported checkout (``git archive
COMMIT | tar -x -C DIR``) and this one, each round with new readers: before and after side by
side in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

if "--code" in sys.argv[:-1]:
    # serve --code DIR: that checkout's paperfeed, put first before bench.common imports this
    # one's (``bench`` itself is already this checkout's: ``-m bench.recs_scale`` imported it).
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

from bench.common import BENCH_VAR

TARGET_MS = 50.0


def corpus_json(corpus: str) -> Path:
    """``--corpus``: a name in ``var/bench/corpora`` or a path to a json of one's own (the shared
    corpora folder is read-only, so a copy's json is often kept elsewhere)."""
    if corpus.endswith(".json"):
        return Path(corpus).resolve()
    return BENCH_VAR / "corpora" / f"{corpus}.json"


def _catalogue_urls() -> set[str]:
    """The databases of the catalogues ``bench.corpus`` builds (``<backend>-<name>.json``)."""
    from bench.corpus import ALL

    found = set()
    for backend in ("sqlite", "postgres"):
        for name in ALL:
            path = BENCH_VAR / "corpora" / f"{backend}-{name}.json"
            if path.exists():
                found.add(json.loads(path.read_text())["env"].get("DATABASE_URL", ""))
    return found


def setup(corpus: str) -> None:
    meta = json.loads(corpus_json(corpus).read_text())
    env = meta["env"]
    # The shared catalogues are read-only for everyone: this bench writes members into its copy.
    if "h17b" in env.get("DATABASE_URL", "") or env.get("DATABASE_URL") in _catalogue_urls():
        sys.exit("refusing to write to a shared catalogue: make a copy (see --help)")
    os.environ.update(env)
    os.environ.setdefault("PAPERFEED_SCHEDULER", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
    import django

    django.setup()


def percentiles(values: list[float]) -> str:
    ordered = np.asarray(sorted(values))
    p50, p95, p99 = (float(np.percentile(ordered, q)) for q in (50, 95, 99))
    return f"p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f}  max {ordered.max():6.1f}"


# --- train --------------------------------------------------------------------------------


def train(args: argparse.Namespace) -> None:
    import subprocess

    from bench.common import REPO

    command = [str(REPO / ".venv/bin/paperfeed"), "recs", "train"]
    load = os.getloadavg()
    clock = time.perf_counter()
    child = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - clock
    out = child.stdout.read() if child.stdout else ""
    if status:
        sys.exit(f"training failed ({status}): {out}")
    print(out.strip())
    print(
        f"paperfeed recs train: wall {wall:.1f} s, CPU {usage.ru_utime + usage.ru_stime:.1f} s "
        f"(user {usage.ru_utime:.1f}, system {usage.ru_stime:.1f}), peak RSS "
        f"{usage.ru_maxrss / 1024:.0f} MB; load average at start {load[0]:.1f}"
    )


# --- serve --------------------------------------------------------------------------------


def _ranking_only(user_id: int) -> tuple[float, float]:
    """The model's part of a request, with its inputs read beforehand: (wall ms, CPU ms)."""
    from django.conf import settings

    from paperfeed.papers.similar.models import SimilarPaper
    from paperfeed.recs import hybrid, inputs, selectors

    own = [
        p.paper_id
        for p in inputs.reader_papers(user_id=user_id, limit=settings.PAPERFEED_RECS_READER_PAPERS)
    ]
    neighbours: dict[int, tuple[list[int], list[float]]] = {}
    for source, target, score in SimilarPaper.objects.filter(paper_id__in=own).values_list(
        "paper_id", "neighbour_id", "score"
    ):
        neighbours.setdefault(source, ([], []))
        neighbours[source][0].append(target)
        neighbours[source][1].append(score)
    exclude = set(own) | selectors.hidden_ids(user_id=user_id)
    model = selectors.live_model()
    assert model is not None
    wall, cpu = time.perf_counter(), time.process_time()
    hybrid.rank_for_reader(
        collaborative=model.edges(own),
        content=hybrid.Edges.of(
            (s, np.asarray(t), np.asarray(w)) for s, (t, w) in neighbours.items()
        ),
        content_weight=settings.PAPERFEED_RECS_CONTENT_WEIGHT,
        exclude=exclude,
        limit=120,
    )
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _server_cpu() -> Callable[[], float]:
    """On PostgreSQL on this host, the CPU seconds this connection's backend has spent so far
    (its ``/proc/<pid>/schedstat``: nanoseconds on a core), so a page's CPU counts the server's
    share of it as SQLite's counts in this process; always 0 on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    stat = Path(f"/proc/{pid}/schedstat")
    if not stat.exists():
        sys.exit("the PostgreSQL server is not on this host: its CPU cannot be read")

    def read() -> float:
        # A reconnect would start a new backend: fail loudly rather than subtract two processes.
        assert connection.connection.info.backend_pid == pid, "the connection was reopened"
        return int(stat.read_text().split()[0]) / 1e9

    return read


class _Counter:
    """Counts a page's statements as an execute wrapper. Not CaptureQueriesContext: while Django
    logs queries the compiled ones are not run as prepared statements on PostgreSQL
    (core/compiled.py), so a page measured under it cost the server more than a worker's."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.calls += 1
        return execute(sql, params, many, context)


def serve(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from paperfeed.recs import inputs, selectors

    model = selectors.live_model()
    if model is None:
        sys.exit("no trained model: run `python -m bench.recs_scale train` first")
    user_model = get_user_model()
    members = list(
        user_model.objects.filter(username__startswith="recs-m").values_list("pk", flat=True)
    )
    rng = np.random.default_rng(args.seed + 1)
    chosen = rng.choice(members, size=min(args.readers, len(members)), replace=False).tolist()
    clients = {}
    for user_id in chosen:
        client = Client()
        client.force_login(user_model.objects.get(pk=user_id))
        clients[user_id] = client
    model.position(int(model.ids[0]))  # the id map, built once per process as a worker does
    # A running worker has compiled its templates and URL patterns: one page by a member who is
    # not measured, so the first measured reader does not pay for the process's start.
    warm = next(pk for pk in members if pk not in set(chosen))
    warm_client = Client()
    warm_client.force_login(user_model.objects.get(pk=warm))
    with override_settings(ALLOWED_HOSTS=["*"]):
        warm_client.get("/papers/for-you")
    # One handler for every reader, as a worker has: each test client otherwise loads the
    # middleware on its first request (WhiteNoise lists every static file, ~8 ms of CPU),
    # which a worker does once at start, and which was counted in every page here before.
    for client in clients.values():
        client.handler = warm_client.handler
    server_cpu = _server_cpu()
    counted = _Counter()
    load = os.getloadavg()
    # Per part: wall, this process's CPU, the database server's CPU (PostgreSQL; 0 on SQLite).
    figures: dict[str, tuple[list[float], list[float], list[float]]] = {
        name: ([], [], []) for name in ("page", "selector", "ranking")
    }
    sizes, listed, queries = [], [], []
    with override_settings(ALLOWED_HOSTS=["*"]):
        for user_id in chosen:
            sizes.append(len(inputs.reader_papers(user_id=user_id, limit=10_000)))
            wall, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
            with connection.execute_wrapper(counted):
                response = clients[user_id].get("/papers/for-you")
            figures["page"][0].append((time.perf_counter() - wall) * 1000)
            figures["page"][1].append((time.process_time() - cpu) * 1000)
            figures["page"][2].append((server_cpu() - server) * 1000)
            assert response.status_code == 200, response.status_code
            queries.append(counted.calls)
            counted.calls = 0
            user = user_model.objects.get(pk=user_id)
            wall, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
            found = selectors.for_you(user=user, limit=30)
            figures["selector"][0].append((time.perf_counter() - wall) * 1000)
            figures["selector"][1].append((time.process_time() - cpu) * 1000)
            figures["selector"][2].append((server_cpu() - server) * 1000)
            listed.append(len(found.items))
            ranking = _ranking_only(user_id)
            figures["ranking"][0].append(ranking[0])
            figures["ranking"][1].append(ranking[1])
            figures["ranking"][2].append(0.0)  # no query: the inputs are read beforehand
    print(
        f"/papers/for-you for {len(chosen)} distinct members ({connection.vendor}, model "
        f"{model.meta.get('readers', 0):,} readers x {len(model.ids):,} papers; signals per "
        f"reader p50 {np.median(sizes):.0f}, max {max(sizes)}; {np.mean(listed):.1f} items "
        f"listed; {np.median(queries):.0f} queries per page); load average at start "
        f"{load[0]:.1f}, at end {os.getloadavg()[0]:.1f}"
    )
    for name, label in (
        ("page", "page, end to end"),
        ("selector", "selector (reads + ranking)"),
        ("ranking", "ranking only"),
    ):
        wall, cpu, server = figures[name]
        print(f"  {label:<28} wall ms {percentiles(wall)}")
        print(f"  {'':<28} CPU  ms {percentiles(cpu)}")
        if connection.vendor == "postgresql" and name != "ranking":
            both = [a + b for a, b in zip(cpu, server, strict=True)]
            print(f"  {'':<28} DB   ms {percentiles(server)}")
            print(f"  {'':<28} +DB  ms {percentiles(both)}")
    if args.json:
        Path(args.json).write_text(json.dumps({**figures, "load": [load[0], os.getloadavg()[0]]}))
    if args.profile:
        from pyinstrument import Profiler

        # Readers not served above: their cards are as cold as a first visit's.
        others = [pk for pk in members if pk not in set(chosen) and pk != warm]
        profiled = rng.choice(others, size=min(args.profile, len(others)), replace=False)
        signed_in = []
        for user_id in profiled.tolist():
            client = Client()
            client.force_login(user_model.objects.get(pk=user_id))
            client.handler = warm_client.handler
            signed_in.append(client)
        profiler = Profiler(interval=0.0005)
        with override_settings(ALLOWED_HOSTS=["*"]), profiler:
            for client in signed_in:
                client.get("/papers/for-you")
        print(profiler.output_text(color=False, show_all=False))
    # The target is the work one request costs: CPU time (wall time on a shared 2-core
    # machine is mostly waiting for a core); wall shown for a quiet machine.
    clocks = [("CPU", figures["page"][1]), ("wall", figures["page"][0])]
    if connection.vendor == "postgresql":
        # The server's share on the same cores: the work a page costs the machine.
        page_both = [a + b for a, b in zip(figures["page"][1], figures["page"][2], strict=True)]
        clocks.insert(1, ("CPU+DB", page_both))
    for clock, values in clocks:
        p50, p95 = (float(np.percentile(values, q)) for q in (50, 95))
        verdict = "meets" if p95 <= TARGET_MS else "p50 meets" if p50 <= TARGET_MS else "misses"
        print(
            f"  page {clock} p50 {p50:.1f} / p95 {p95:.1f} ms: {verdict} the "
            f"{TARGET_MS:.0f} ms target"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=("populate", "train", "serve", "compare"))
    parser.add_argument("--corpus", default="sqlite-1m-recs")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="serve: pyinstrument over N pages"
    )
    parser.add_argument("--json", help="serve: also write the figures to this file")
    parser.add_argument("--code", help="serve: import paperfeed from this exported checkout")
    parser.add_argument("--base", help="compare: the exported checkout to compare with")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    if args.step == "compare":
        from bench.recs_compare import compare

        compare(args)
        return
    setup(args.corpus)
    if args.code:
        import paperfeed

        # The exported checkout's code, or the comparison compares this checkout with itself.
        assert Path(paperfeed.__file__).resolve().is_relative_to(Path(args.code).resolve())
    if args.step == "populate":
        from bench.recs_population import populate

        populate(args)
    else:
        {"train": train, "serve": serve}[args.step](args)


if __name__ == "__main__":
    main()
