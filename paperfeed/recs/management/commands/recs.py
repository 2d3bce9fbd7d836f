"""paperfeed recs train|evaluate|status: the recommender by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.core.commands import checks_without_urls
from paperfeed.recs import citeulike, hybrid, offline, selectors, services
from paperfeed.recs.sitegraph import content_graph


class Command(BaseCommand):
    help = "Train the for-you recommender, measure it offline, or show what is stored."
    requires_system_checks = checks_without_urls()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("train", help="train the model from members' signals and make it live")
        evaluate = sub.add_parser(
            "evaluate",
            help="recall@20 and nDCG@20 of popularity, item-kNN and paperfeed's recommender, "
            "20 %% of each library (of 5 or more) held out",
        )
        evaluate.add_argument(
            "--citeulike", metavar="DIR", help="a folder in the CiteULike format (users.dat, …)"
        )
        evaluate.add_argument("--json", action="store_true", help="print one JSON object")
        evaluate.add_argument("--seed", type=int, default=0, help="the split's seed (default 0)")
        evaluate.add_argument(
            "--ease", action="store_true", help="also EASE (λ = 200), the reference model"
        )
        sub.add_parser("status", help="the live model and the last training")

    def handle(self, *args: object, **options: Any) -> None:
        action = options["action"]
        if action == "train":
            run = services.model_train()
            self.stdout.write(
                f"trained on {run.readers} readers, {run.papers} papers, {run.signals} signals: "
                f"{run.links} links in {run.seconds:.1f} s (peak {run.peak_mb:.0f} MB)"
            )
        elif action == "evaluate":
            self._evaluate(options)
        else:
            model = selectors.live_model()
            last = selectors.last_training()
            self.stdout.write(f"model: {model.root if model else 'none trained yet'}")
            if last is not None:
                self.stdout.write(
                    f"last training {last.started:%Y-%m-%d %H:%M} UTC: {last.readers} readers, "
                    f"{last.papers} papers, {last.links} links, {last.seconds:.1f} s"
                )

    def _evaluate(self, options: dict[str, Any]) -> None:
        config = services.config()
        as_json = bool(options["json"])
        progress = (lambda line: None) if as_json else self.stdout.write
        if options["citeulike"]:
            try:
                data = citeulike.citeulike_read(Path(options["citeulike"]))
            except (FileNotFoundError, citeulike.FormatError) as exc:
                raise CommandError(str(exc)) from None
            libraries, n_items = data.libraries, data.n_items

            def side() -> list[Any]:
                return offline.side_graphs(
                    tags=data.tags,
                    citations=data.citations,
                    content_neighbours=settings.PAPERFEED_SIMILAR_K,
                    config=config,
                )

            source = f"CiteULike folder {options['citeulike']}"
        else:
            matrix = services.signal_matrix(max_papers=settings.PAPERFEED_RECS_MAX_PAPERS)
            train = matrix.train.tocsr()
            libraries = [
                train.indices[train.indptr[u] : train.indptr[u + 1]] for u in range(train.shape[0])
            ]
            n_items = train.shape[1]

            def side() -> list[Any]:
                graph = content_graph(paper_ids=matrix.paper_ids)
                return [(graph, config.content_weight)] if graph.nnz else []

            source = "this site's members"
        if not as_json:
            self.stdout.write(
                f"{source}: {len(libraries)} users, {n_items} items, seed {options['seed']}"
            )
        report = offline.run(
            libraries=[np.asarray(items) for items in libraries],
            n_items=n_items,
            seed=int(options["seed"]),
            config=hybrid.Config(**{**config.__dict__}),
            side=side,
            with_ease=bool(options["ease"]),
            progress=progress,
        )
        if as_json:
            self.stdout.write(json.dumps(report.as_json()))
        else:
            self.stdout.write(f"{report.scored_users} users scored")
