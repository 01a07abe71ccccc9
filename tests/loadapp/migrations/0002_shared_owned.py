"""Make Owner's id a serial column whose sequence Borrower's id draws from too."""

from django.db import migrations

SEQUENCES = """
ALTER TABLE loadapp_owner ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE loadapp_owner_id_seq AS integer OWNED BY loadapp_owner.id;
ALTER TABLE loadapp_owner ALTER COLUMN id SET DEFAULT nextval('loadapp_owner_id_seq');

ALTER TABLE loadapp_borrower ALTER COLUMN id DROP IDENTITY;
ALTER TABLE loadapp_borrower ALTER COLUMN id SET DEFAULT nextval('loadapp_owner_id_seq');
"""


class Migration(migrations.Migration):
    dependencies = [("loadapp", "0001_initial")]

    operations = [migrations.RunSQL(SEQUENCES, migrations.RunSQL.noop)]
