from django.apps import AppConfig


class TrendingConfig(AppConfig):
    name = "paperfeed.trending"
    label = "trending"
