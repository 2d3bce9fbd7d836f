from django.urls import path

from paperfeed.trending import views

app_name = "trending"

# The list keeps its /papers/ address beside the other reading lists.
urlpatterns = [
    path("papers/trending", views.trending, name="trending"),
    path("papers/trending/about", views.about, name="about"),
    path("trending/papers/<int:paper_id>/code", views.code_link, name="code_link"),
]
