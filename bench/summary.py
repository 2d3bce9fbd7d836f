"""The run's table: each figure of a results dict beside its baseline and the target it meets.

``python -m bench`` prints it; ``python -m bench.report`` turns a saved run into Markdown.
"""

from __future__ import annotations

# The targets of the feature issues, checked on every row they apply to.
PAGE_PATHS = ("/papers", "/papers/trending", "/papers/new", "paper page")
API_PATHS = ("/api/daily_papers", "/api/papers/{id}")


def _target(name: str, mode: str, r: dict) -> tuple[str, str]:
    if not r["requests"]:  # nothing finished within the run: no percentile to trust
        r = {**r, "p95_ms": float("inf"), "p99_ms": float("inf")}
    if name in PAGE_PATHS:
        return "p99<=50ms, >=500/s", _ok(r["p99_ms"] <= 50 and r["rps"] >= 500)
    if name.startswith("search"):
        return "p95<=50ms", _ok(r["p95_ms"] <= 50)
    if name in API_PATHS:
        return "p99<=30ms", _ok(r["p99_ms"] <= 30)
    if name.startswith("feed"):
        return "p99<=50ms (cached)", _ok(r["p99_ms"] <= 50) if mode == "cached" else "-"
    return "", ""


def _ok(flag: bool) -> str:
    return "yes" if flag else "NO"


def rows(results: dict) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for backend in ("sqlite", "postgres"):
        b = results.get(backend)
        if not b:
            continue
        imp = results.get("import", {})
        if backend in imp:
            ours, base = imp[backend], imp[f"{backend}_baseline"]
            n = imp["records"]
            ratio = base["seconds"] / ours["seconds"]
            rate = n / ours["seconds"]
            out.append(
                (
                    backend,
                    imp["archive"][:22],
                    "import records/s",
                    f"{rate:,.0f}",
                    f"{n / base['seconds']:,.0f} plain",
                    f"{ratio:.2f}",
                    ">=10,000/s, >=0.5",
                    _ok(rate >= 10_000 and ratio >= 0.5),
                )
            )
            out.append(
                (backend, "", "importer peak RSS MB", f"{ours['peak_rss_mb']:.0f}", "", "", "", "")
            )
        for name, c in b.get("catalogues", {}).items():
            label = f"{name} ({c['papers']:,})"
            out.append(
                (
                    backend,
                    label,
                    "trending recompute s",
                    f"{c['trending_seconds']:.2f}",
                    f"{c['startup_seconds']:.2f} start-up",
                    "",
                    "",
                    "",
                )
            )
            if "similar_seconds" in c:
                out.append(
                    (
                        backend,
                        label,
                        "similar build --full s",
                        f"{c['similar_seconds']:.2f}",
                        f"{c['startup_seconds']:.2f} start-up",
                        "",
                        "",
                        "",
                    )
                )
            per_paper = c["database_bytes"] / max(1, c["papers"])
            base_bytes = ""
            sb = imp.get("sqlite_baseline", {})
            if backend == "sqlite" and sb.get("bytes") and sb.get("papers"):
                base_bytes = f"{sb['bytes'] / sb['papers']:,.0f} plain"
            out.append(
                (
                    backend,
                    label,
                    "database bytes/paper",
                    f"{per_paper:,.0f}",
                    base_bytes,
                    "",
                    "",
                    "",
                )
            )
            h = c.get("http")
            if not h:
                continue
            for mode in ("uncached", "cached"):
                for path, r in h[mode].items():
                    s = h["static"][path]
                    pct = "p95" if path.startswith("search") else "p99"
                    target, ok = _target(path, mode, r)
                    out.append(
                        (
                            backend,
                            label,
                            f"{path} [cache {'off' if mode == 'uncached' else 'on'}]",
                            f"{r['p50_ms']:.1f}/{r[pct + '_ms']:.1f}ms {r['rps']:,.0f}/s"
                            + (f" {r['non2xx']}!2xx" if r["non2xx"] else "")
                            + (f" (n={r['requests']})" if r["requests"] < 30 else ""),
                            f"{s['p50_ms']:.1f}/{s[pct + '_ms']:.1f}ms {s['rps']:,.0f}/s",
                            f"{r['rps'] / s['rps']:.2f}",
                            target,
                            ok,
                        )
                    )
            rss = max(h["rss_mb"].values())
            out.append(
                (
                    backend,
                    label,
                    "web worker peak RSS MB",
                    f"{rss:.0f}",
                    "",
                    "",
                    "<=200",
                    _ok(rss <= 200),
                )
            )
    d = results.get("digests")
    if d and "error" not in d:
        ratio = d["paperfeed_per_s"] / d["smtplib_per_s"]
        out.append(
            (
                "sqlite",
                f"{d['subscribers']:,} subscribers",
                "digest messages/s",
                f"{d['paperfeed_per_s']:,.0f}",
                f"{d['smtplib_per_s']:,.0f} smtplib",
                f"{ratio:.2f}",
                ">=0.5",
                _ok(ratio >= 0.5),
            )
        )
    return out


HEADERS = ("db", "corpus", "figure", "paperfeed", "baseline", "ratio", "target", "met")
