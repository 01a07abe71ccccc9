"""A data migration that inserts rows with their ids: it leaves both sequences behind."""

from django.db import migrations


def seed_items(apps, schema_editor):
    Item = apps.get_model("migrateapp", "Item")
    Item.objects.using(schema_editor.connection.alias).bulk_create(
        [Item(id=1, name="first"), Item(id=2, name="second"), Item(id=3, name="third")]
    )


def unseed_items(apps, schema_editor):
    Item = apps.get_model("migrateapp", "Item")
    Item.objects.using(schema_editor.connection.alias).filter(id__in=[1, 2, 3]).delete()


class Migration(migrations.Migration):
    dependencies = [("migrateapp", "0001_initial")]

    operations = [
        migrations.RunPython(seed_items, unseed_items),
        migrations.RunSQL(
            "INSERT INTO migrateapp_note (id, text) VALUES (10, 'seeded by RunSQL')",
            "DELETE FROM migrateapp_note WHERE id = 10",
        ),
    ]
