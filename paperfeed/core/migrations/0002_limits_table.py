"""The table the rate limits count in when no Redis is configured (settings: CACHES["limits"]).

Created whatever the settings say at migrate time, so that turning REDIS_URL off later finds
the table ready.
"""

from django.core.management import call_command
from django.db import migrations

TABLE = "paperfeed_limits"


def create(apps, schema_editor) -> None:
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
