from django.apps import AppConfig


class TrendingConfig(AppConfig):
    name = "paperfeed.trending"
    label = "trending"

    def ready(self) -> None:
        from paperfeed.papers.signals import papers_imported
        from paperfeed.trending.receivers import record_imported_upvotes

        papers_imported.connect(record_imported_upvotes, dispatch_uid="trending.upvotes")
