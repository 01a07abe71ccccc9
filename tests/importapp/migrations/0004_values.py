"""The models of the value tests; Level needs Django 5.0 (db_default), Membership 5.2
(CompositePrimaryKey)."""

import django
import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('importapp', '0003_reading'),
    ]

    operations = [
        migrations.CreateModel(
            name='Measure',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.CharField(max_length=50)),
                ('notes', models.TextField()),
                ('counts', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), null=True, size=None)),
                ('grid', django.contrib.postgres.fields.ArrayField(base_field=django.contrib.postgres.fields.ArrayField(base_field=models.DecimalField(decimal_places=3, max_digits=8), size=None), null=True, size=None)),
                ('words', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=20, null=True), null=True, size=None)),
                ('amount', models.DecimalField(decimal_places=6, max_digits=30, null=True)),
                ('size', models.BigIntegerField(null=True)),
                ('small', models.SmallIntegerField(null=True)),
                ('positive', models.PositiveIntegerField(null=True)),
                ('slug', models.SlugField(null=True)),
                ('email', models.EmailField(max_length=254, null=True)),
                ('at', models.TimeField(null=True)),
                ('span', models.DurationField(null=True)),
                ('ip', models.GenericIPAddressField(null=True)),
                ('day', models.DateField(null=True)),
                ('moment', models.DateTimeField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name='Stamp',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.CharField(max_length=50)),
                ('notes', models.TextField(default='')),
                ('day', models.DateField(null=True)),
                ('moment', models.DateTimeField(null=True)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('updated', models.DateTimeField(auto_now=True)),
                ('seen', models.DateField(auto_now=True)),
            ],
        ),
    ]

    if django.VERSION >= (5, 0):
        operations.append(
            migrations.CreateModel(
                name='Level',
                fields=[
                    ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('label', models.CharField(max_length=50)),
                    ('level', models.IntegerField(db_default=7)),
                    ('since', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                    ('note', models.CharField(db_default='none', max_length=20, null=True)),
                ],
            )
        )
    if django.VERSION >= (5, 2):
        operations.append(
            migrations.CreateModel(
                name='Membership',
                fields=[
                    ('pk', models.CompositePrimaryKey('team', 'person', blank=True, editable=False, primary_key=True, serialize=False)),
                    ('team', models.IntegerField()),
                    ('role', models.CharField(max_length=20)),
                    ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='importapp.author')),
                ],
            )
        )
