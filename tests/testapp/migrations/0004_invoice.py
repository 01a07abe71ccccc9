"""A text column whose default draws from a sequence: ``'INV-' || nextval(...)``."""

from django.db import migrations, models

NUMBER = """
CREATE SEQUENCE invoice_no_seq;
ALTER TABLE testapp_invoice
    ADD COLUMN number text NOT NULL DEFAULT 'INV-' || nextval('invoice_no_seq');
"""


class Migration(migrations.Migration):
    dependencies = [("testapp", "0003_hostile_names")]

    operations = [
        migrations.CreateModel(
            name="Invoice",
            fields=[
                (
                    "id",
                    models.AutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(default="", max_length=50)),
            ],
        ),
        migrations.RunSQL(NUMBER, migrations.RunSQL.noop),
    ]
