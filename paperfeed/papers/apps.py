from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PapersConfig(AppConfig):
    name = "paperfeed.papers"
    label = "papers"
    verbose_name = "Papers"

    def ready(self) -> None:
        # Imported here: search imports the models, not loadable before ready.
        from paperfeed.papers import search

        post_migrate.connect(search.clear_if_catalogue_empty, sender=self)
