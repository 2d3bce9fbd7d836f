from django.db import migrations

from paperfeed.papers import search


def forwards(apps, schema_editor):
    search.create_schema(schema_editor)


def backwards(apps, schema_editor):
    search.drop_schema(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("papers", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
