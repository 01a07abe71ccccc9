from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("videos", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="video",
            name="id",
            field=models.BigAutoField(primary_key=True, serialize=False, verbose_name="video ID"),
        ),
        migrations.AlterField(
            model_name="video",
            name="duration_seconds",
            field=models.PositiveIntegerField(verbose_name="duration (s)"),
        ),
        migrations.AlterField(
            model_name="video",
            name="published_at",
            field=models.DateTimeField(verbose_name="published"),
        ),
    ]
