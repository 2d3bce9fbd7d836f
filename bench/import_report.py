"""Import speed's report: each run's line, the medians' table and each round's ratios,
baseline / paperfeed. Printed by ``bench.import_speed``.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.common import table


def all_cpu(run: dict) -> float:
    return run["cpu_seconds"] + (run.get("server_cpu_seconds") or 0)


def per_round(runs: dict[str, list[dict]]) -> list[tuple[str, ...]]:
    """Each round's ratios, baseline / paperfeed: wall, and CPU with the server's."""
    rows = []
    for key, found in runs.items():
        if key.endswith(("_baseline", "_tables")):
            continue
        backend = key.removesuffix("_against")
        for baseline in ("_baseline", "_tables"):
            for n, (ours, base) in enumerate(
                zip(found, runs.get(backend + baseline, []), strict=False)
            ):
                rows.append(
                    (
                        f"{key} / {'tables only' if baseline == '_tables' else 'with FTS'}",
                        str(n + 1),
                        f"{base['seconds'] / ours['seconds']:.2f}",
                        f"{all_cpu(base) / all_cpu(ours):.2f}",
                        f"{ours['seconds']:.1f} / {base['seconds']:.1f}",
                        f"{all_cpu(ours):.2f} / {all_cpu(base):.2f}",
                        f"{ours['load']:.1f}",
                    )
                )
    return rows


def median_run(found: list[dict]) -> dict:
    return sorted(found, key=lambda run: run["seconds"])[len(found) // 2]


def run_line(run: dict, records: int) -> str:
    server = run.get("server_cpu_seconds") or 0
    return (
        f"{run['seconds']:.1f} s, {records / run['seconds']:,.0f} records/s, "
        f"CPU {run['cpu_seconds']:.2f} s"
        + (f" + server {server:.2f} s" if server else "")
        + f", load {run['load']:.1f}"
        + (
            f"; then search update {run['index_seconds']:.1f} s, "
            f"CPU {run['index_cpu_seconds']:.2f} s"
            if run.get("index_seconds")
            else ""
        )
    )


def print_report(
    results: dict,
    runs: dict[str, list[dict]],
    archive: Path,
    records: int,
    rounds: int,
    against: str | None,
    load_start: tuple[float, float, float],
) -> None:
    """The medians beside their baselines, each round's ratios, and the snapshot importer's
    peak RSS; sets ``results["load_average"]`` (the load at the end)."""
    rows = []
    for key in runs:
        if key.endswith(("_baseline", "_tables")):
            continue
        backend = key.removesuffix("_against")
        ours, base = results[key], results[f"{backend}_baseline"]
        rows.append(
            (
                key.replace("_nocopy", ", no FTS copy").replace("_against", f" @{against}"),
                f"{ours['papers']:,}",
                f"{ours['seconds']:.1f}",
                f"{records / ours['seconds']:,.0f}",
                f"{ours['cpu_seconds']:.2f}",
                f"{records / ours['cpu_seconds']:,.0f}",
                f"{base['seconds']:.1f} / {base['cpu_seconds']:.2f}",
                f"{records / base['seconds']:,.0f}",
                f"{base['seconds'] / ours['seconds']:.2f}",
                f"{base['cpu_seconds'] / ours['cpu_seconds']:.2f}",
                f"{all_cpu(base) / all_cpu(ours):.2f}",
                f"{ours['peak_rss_mb']:.0f}",
            )
        )
    results["load_average"] = os.getloadavg()
    print(
        f"Import of {archive.name} ({records:,} records), {rounds} round(s), medians; "
        f"load average {load_start[0]:.1f} at the start, {results['load_average'][0]:.1f} at "
        "the end. CPU: the importer process's (user + system); 'with server' adds the "
        "PostgreSQL backends' CPU (ServerCpu) on both sides"
    )
    print(
        table(
            rows,
            (
                "db",
                "papers",
                "paperfeed s",
                "records/s",
                "CPU s",
                "CPU rec/s",
                "baseline s / CPU s",
                "baseline rec/s",
                "ratio",
                "CPU ratio",
                "CPU ratio with server",
                "peak RSS MB",
            ),
        )
    )
    print("Each round (baseline / paperfeed)")
    print(
        table(
            per_round(runs),
            (
                "db / baseline",
                "round",
                "wall ratio",
                "all-CPU ratio",
                "wall s (ours / base)",
                "all CPU s",
                "load",
            ),
        )
    )
    if "snapshot_memory" in results:
        snap = results["snapshot_memory"]
        print(
            f"\nSnapshot importer on {snap['lines']:,} lines ({snap['file_mb']:.0f} MB): "
            f"peak RSS {snap['peak_rss_mb']:.0f} MB in {snap['seconds']:.1f} s ({snap['summary']})"
        )
