"""Paper.code_repo: the repository key of each code link, backfilled in batches.

The backfill reads the papers with a code link by primary key, 5,000 at a time, and writes
the keys with one executemany per batch, so a 1 M-paper catalogue never holds all its links
in memory. The key is the pure rule of papers/codelinks.py, as every writer stores it.
"""

from django.db import migrations, models

from paperfeed.papers.codelinks import repo_key

BATCH = 5_000


def code_repo_backfill(apps, schema_editor):
    table = apps.get_model("papers", "Paper")._meta.db_table
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, code_url FROM {table} "  # noqa: S608 (the model's own table)
                "WHERE id > %s AND code_url <> '' ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            keys = [(key, pk) for pk, url in rows if (key := repo_key(url))]
            if keys:
                cursor.executemany(
                    f"UPDATE {table} SET code_repo = %s WHERE id = %s",  # noqa: S608
                    keys,
                )


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0016_paper_code_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='paper',
            name='code_repo',
            field=models.CharField(blank=True, editable=False, max_length=300, null=True),
        ),
        migrations.RunPython(code_repo_backfill, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='paper',
            name='paper_code',
        ),
        migrations.AddIndex(
            model_name='paper',
            index=models.Index(condition=models.Q(('code_repo__isnull', False)), fields=['code_repo'], name='paper_code_repo'),
        ),
        migrations.AddIndex(
            model_name='paper',
            index=models.Index(condition=models.Q(('code_repo__isnull', False), ('code_stars__isnull', True)), fields=['code_repo'], name='paper_code_unstarred'),
        ),
    ]
