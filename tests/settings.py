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
    "django.contrib.admin",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # ArrayField (tests.importapp.Measure) needs it from Django 6 on (postgres.E005)
    "django.contrib.postgres",
    "safeimport",
    "tests.testapp",
    "tests.importapp",
    "tests.fixtureapp",
    "tests.hostileload",
    "tests.migrateapp",
]
SECRET_KEY = "tests"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# migrateapp's data migration inserts rows with their ids; this repairs its sequences when
# the test databases are created. The after-migrate tests override it.
SAFEIMPORT_AFTER_MIGRATE = "fix"

# The admin import page's tests (tests/admin/): the admin and what it needs.
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tests.admin.middleware.strict_csp",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "tests.urls"
STATIC_URL = "/static/"
