"""Another URL configuration for tests/core/test_urlpaths.py: the site mounted under a path."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("paperfeed.urls"))]
