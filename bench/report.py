"""Turn one results JSON into the Markdown table and the PNG chart of docs/performance.md.

    .venv/bin/python -m bench.report bench/results/<date>-<machine>.json [--chart docs/perf.png]

The chart shows p99 latency and requests/s of every path against catalogue size (10k, real,
100k, 1 M papers), with every cache off and with the default caches; SQLite solid, PostgreSQL
dashed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.common import REPO
from bench.summary import HEADERS, rows

DEFAULT_CHART = REPO / "docs" / "performance.png"


def markdown_table(results: dict) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def summary_table(results: dict, corpora: tuple[str, ...] = ("real", "1m")) -> str:
    """Per path: p50/p99 (search p95) and req/s, caches off / on / static, on the main sizes."""
    lines = [
        "| db | papers | path | cache off | cache on | static, same bytes | on/static |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend in ("sqlite", "postgres"):
        catalogues = results.get(backend, {}).get("catalogues", {})
        for name in corpora:
            c = catalogues.get(name)
            if not c or "http" not in c:
                continue
            h = c["http"]
            for path in h["static"]:
                pct = "p95" if path.startswith("search") else "p99"
                cells = []
                for mode in ("uncached", "cached", "static"):
                    r = h[mode][path]
                    cells.append(f"{r['p50_ms']:.0f} / {r[pct + '_ms']:.0f} ms, {r['rps']:,.0f}/s")
                ratio = h["cached"][path]["rps"] / h["static"][path]["rps"]
                lines.append(
                    f"| {backend} | {c['papers']:,} | {path} ({pct}) | "
                    + " | ".join(cells)
                    + f" | {ratio:.2f} |"
                )
    return "\n".join(lines)


def chart(results: dict, output: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9), sharex=True)
    colours = plt.get_cmap("tab10")
    for backend, style in (("sqlite", "-"), ("postgres", "--")):
        catalogues = results.get(backend, {}).get("catalogues", {})
        if len(catalogues) < 2:
            continue
        ordered = sorted(catalogues.values(), key=lambda c: c["papers"])
        sizes = [c["papers"] for c in ordered]
        paths = list(ordered[0]["http"]["uncached"])
        for row, mode in enumerate(("uncached", "cached")):
            for n, path in enumerate(paths):
                label = f"{path} ({backend})"
                p99 = [c["http"][mode][path]["p99_ms"] for c in ordered]
                rps = [c["http"][mode][path]["rps"] for c in ordered]
                colour = colours(n % 10)
                axes[row][0].plot(sizes, p99, style, marker="o", color=colour, label=label)
                axes[row][1].plot(sizes, rps, style, marker="o", color=colour, label=label)
    for row, mode in enumerate(("cache off", "cache on (default)")):
        axes[row][0].set_title(f"p99 latency, {mode}")
        axes[row][0].set_ylabel("ms (log)")
        axes[row][1].set_title(f"throughput, {mode}")
        axes[row][1].set_ylabel("requests/s (log)")
        for ax in axes[row]:
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("papers in the catalogue (log)")
    axes[0][0].axhline(50, color="grey", linewidth=0.8, linestyle=":")
    axes[1][0].axhline(50, color="grey", linewidth=0.8, linestyle=":")
    axes[0][1].axhline(500, color="grey", linewidth=0.8, linestyle=":")
    axes[1][1].axhline(500, color="grey", linewidth=0.8, linestyle=":")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    m = results["machine"]
    fig.suptitle(
        f"paperfeed under wrk -c{results['wrk']['connections']}, gunicorn "
        f"{results['wrk']['gunicorn_workers']} workers; {m['cpu']}, {m['cores']} cores "
        f"(dotted: targets 50 ms, 500/s)"
    )
    fig.tight_layout(rect=(0, 0.12, 1, 0.96))
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=90)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--chart", type=Path, default=DEFAULT_CHART)
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    print(summary_table(results))
    print()
    print(markdown_table(results))
    chart(results, args.chart)
    print(f"\nchart: {args.chart}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
