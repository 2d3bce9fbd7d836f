from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "paperfeed.ingest"
    label = "ingest"
    verbose_name = "Ingestion"
