"""Remove control characters from text members typed before the edge cleaned them
(paperfeed.core.middleware): PostgreSQL cannot hold NUL, and the feeds cannot carry any."""

from django.db import migrations

from paperfeed.core.text import stored_text_clean


def clean(apps, schema_editor):
    stored_text_clean(apps.get_model("community", "Comment"), ["body", "body_html"])
    stored_text_clean(apps.get_model("community", "CommentReport"), ["reason"])


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
