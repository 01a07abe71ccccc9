"""Settings of the demo project: the embedded PostgreSQL unless DATABASE_URL is set."""

from safeimport._embedded import database_url, django_database

DATABASES = {"default": django_database(database_url())}
INSTALLED_APPS = ["safeimport", "videos"]
SECRET_KEY = "demo"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
