"""Django settings for the test suite: a real PostgreSQL, embedded unless DATABASE_URL is set."""

from local_postgres import database_url, django_database

_url = database_url()
_default = django_database(_url)

DATABASES = {
    "default": _default,
    "other": django_database(_url, name=f"{_default['NAME']}_other"),
    "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}
DATABASE_ROUTERS = ["tests.routers.SQLiteRouter"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "safeimport",
    "tests.testapp",
    "tests.importapp",
    "tests.fixtureapp",
    "tests.hostileload",
]
SECRET_KEY = "tests"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
