from django.urls import path

from paperfeed.digests import views

app_name = "digests"

urlpatterns = [
    path("digest/subscribe", views.subscribe, name="subscribe"),
    path("digest/confirm/<str:token>", views.confirm, name="confirm"),
    path("digest/preferences/<str:token>", views.preferences, name="preferences"),
    path("digest/unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("digest/account", views.account_subscribe, name="account_subscribe"),
    path("digest/preview", views.preview, name="preview"),
]
