"""URLs of the test project: the admin site of the admin import tests."""

from django.urls import path

from tests.admin.site import site

urlpatterns = [path("admin/", site.urls)]
