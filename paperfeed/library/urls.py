from django.urls import path, re_path

from paperfeed.library import collection_views, feeds, views

app_name = "library"

_COLLECTION = r"^collections/(?P<username>[\w.@+-]{1,150})/(?P<slug>[-a-zA-Z0-9_]{1,80})"

urlpatterns = [
    path("library", views.library, name="library"),
    path("library/import", views.library_import, name="import"),
    re_path(r"^library/export\.(?P<fmt>[a-z]{2,4})$", views.library_export, name="export"),
    path("library/saved/<int:pk>", views.saved_edit, name="saved_edit"),
    path("library/papers/<int:paper_id>/save", views.save, name="save"),
    path("library/collections/new", collection_views.collection_create, name="collection_create"),
    path("library/collections/<int:pk>", collection_views.collection_edit, name="collection_edit"),
    path("library/collections/add", collection_views.collection_add, name="collection_add"),
    path("library/items/<int:pk>", collection_views.collection_item, name="item"),
    path(
        "collections/<str:username>",
        collection_views.member_collections,
        name="member_collections",
    ),
    re_path(rf"{_COLLECTION}\.rss$", feeds.CollectionRss(), name="collection_rss"),
    re_path(rf"{_COLLECTION}\.atom$", feeds.CollectionAtom(), name="collection_atom"),
    re_path(
        rf"{_COLLECTION}\.(?P<fmt>bib|csv|txt)$",
        collection_views.collection_export,
        name="collection_export",
    ),
    re_path(rf"{_COLLECTION}$", collection_views.collection, name="collection"),
]
