from django.urls import path

from paperfeed.api.api import api

urlpatterns = [
    path("api/", api.urls),
]
