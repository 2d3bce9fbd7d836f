from django.urls import path

from paperfeed.papers import views as paper_views
from paperfeed.trending import views

app_name = "trending"

# The list page lives with the other reading views; the trending app owns its ranking.
urlpatterns = [
    path("papers/trending", paper_views.trending, name="trending"),
    path("papers/trending/about", views.about, name="about"),
    path("trending/papers/<int:paper_id>/code", views.code_link, name="code_link"),
]
