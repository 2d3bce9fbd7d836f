from django.urls import path

from paperfeed.papers import views

app_name = "trending"

# The page lives with the other reading views; the trending app owns its ranking.
urlpatterns = [
    path("papers/trending", views.trending, name="trending"),
]
