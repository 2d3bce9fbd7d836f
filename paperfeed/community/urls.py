from django.urls import path

from paperfeed.community import member_views, views

app_name = "community"

urlpatterns = [
    path("community/papers/<int:paper_id>/upvote", views.upvote, name="upvote"),
    path("community/papers/<int:paper_id>/comments", views.comment_create, name="comment"),
    path("community/papers/<int:paper_id>/claim", views.claim, name="claim"),
    path("community/comments/<int:pk>/edit", views.comment_edit, name="comment_edit"),
    path("community/comments/<int:pk>/delete", views.comment_delete, name="comment_delete"),
    path("community/comments/<int:pk>/report", views.comment_report, name="comment_report"),
    path("community/comments/<int:pk>/hide", views.comment_hide, name="comment_hide"),
    path("submit", views.submit, name="submit"),
    # Under /accounts/ with the other account pages, but served here: they need the activity.
    path("accounts/u/<str:username>", member_views.profile, name="profile"),
    path("accounts/settings/delete", member_views.account_delete, name="account_delete"),
    path("curate", views.curate, name="curate"),
    path("curate/featured", views.curate_featured, name="curate_featured"),
    path("curate/paper", views.curate_paper, name="curate_paper"),
    path("curate/authors", views.curate_authors, name="curate_authors"),
    path("curate/claims/<int:pk>", views.curate_claim, name="curate_claim"),
    path("curate/reports/<int:pk>", views.curate_report, name="curate_report"),
]
