from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('trending', '0002_trendingrun_replay_of'),
    ]

    operations = [
        migrations.AddField(
            model_name='repository',
            name='stars_synced',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
    ]
