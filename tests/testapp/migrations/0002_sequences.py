"""Give the test models the sequences that real databases have and Django would not make."""

from django.db import migrations

SEQUENCES = """
ALTER TABLE testapp_always ALTER COLUMN id SET GENERATED ALWAYS;

ALTER TABLE testapp_serial ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE testapp_serial_id_seq AS integer OWNED BY testapp_serial.id;
ALTER TABLE testapp_serial ALTER COLUMN id SET DEFAULT nextval('testapp_serial_id_seq');

ALTER TABLE testapp_stepped ALTER COLUMN id SET START WITH 3 SET INCREMENT BY 5 RESTART;

ALTER TABLE testapp_descending ALTER COLUMN id
    SET INCREMENT BY -1 SET MINVALUE -2147483648 SET MAXVALUE -1 SET START WITH -1 RESTART;

ALTER TABLE testapp_unowned ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE unowned_ids;
ALTER TABLE testapp_unowned ALTER COLUMN id SET DEFAULT nextval('unowned_ids');

ALTER TABLE testapp_shareda ALTER COLUMN id DROP IDENTITY;
ALTER TABLE testapp_sharedb ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE shared_ids AS integer;
ALTER TABLE testapp_shareda ALTER COLUMN id SET DEFAULT nextval('shared_ids');
ALTER TABLE testapp_sharedb ALTER COLUMN id SET DEFAULT nextval('shared_ids');

ALTER TABLE testapp_cached ALTER COLUMN id SET CACHE 20;
ALTER TABLE testapp_cycling ALTER COLUMN id SET CYCLE;
"""


class Migration(migrations.Migration):
    dependencies = [("testapp", "0001_initial")]

    operations = [migrations.RunSQL(SEQUENCES, migrations.RunSQL.noop)]
