"""Make Owner's id a serial column whose sequence Borrower's id draws from too."""

from django.db import migrations

SEQUENCES = """
ALTER TABLE fixtureapp_owner ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE fixtureapp_owner_id_seq AS integer OWNED BY fixtureapp_owner.id;
ALTER TABLE fixtureapp_owner ALTER COLUMN id SET DEFAULT nextval('fixtureapp_owner_id_seq');

ALTER TABLE fixtureapp_borrower ALTER COLUMN id DROP IDENTITY;
ALTER TABLE fixtureapp_borrower ALTER COLUMN id SET DEFAULT nextval('fixtureapp_owner_id_seq');
"""


class Migration(migrations.Migration):
    dependencies = [("fixtureapp", "0001_initial")]

    operations = [migrations.RunSQL(SEQUENCES, migrations.RunSQL.noop)]
