from django.db import migrations, models

# Until now every paper showed its author identity's first spelling; that is the best guess
# for the rows already stored. The next import of a paper writes the spelling it gives.
FILL_NAMES = (
    "UPDATE papers_paperauthor SET name = "
    "(SELECT a.name FROM papers_author a WHERE a.id = papers_paperauthor.author_id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0010_paper_abstract_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="last_seen_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="paperauthor",
            name="name",
            field=models.CharField(default="", max_length=1000),
        ),
        migrations.RunSQL(FILL_NAMES, reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
