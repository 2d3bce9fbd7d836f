from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "paperfeed.digests"
    label = "digests"
    verbose_name = "Email digests"
