"""Remove control characters from text members typed before the edge cleaned them
(paperfeed.core.middleware): PostgreSQL cannot hold NUL, and the feeds cannot carry any."""

from django.db import migrations

from paperfeed.core.text import stored_text_clean


def clean(apps, schema_editor):
    stored_text_clean(apps.get_model("accounts", "Profile"), ["display_name", "bio"])
    stored_text_clean(apps.get_model("accounts", "ApiToken"), ["name"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
