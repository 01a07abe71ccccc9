"""The demo's admin: videos, playlists and playlist items, each with the Import button.

    cd sample_data && python manage.py migrate && python manage.py createsuperuser
    python manage.py runserver        # then http://127.0.0.1:8000/admin/

The files of ``data/`` import as they are: videos.csv, playlists.json, playlist_items.csv.
"""

from django.contrib import admin

from safeimport.admin import ImportMixin

from .models import Playlist, Video, VideoPlaylistItem


@admin.register(Video)
class VideoAdmin(ImportMixin, admin.ModelAdmin):
    """Videos, newest first."""

    list_display = ["id", "title", "duration_seconds", "published_at"]
    search_fields = ["title"]


@admin.register(Playlist)
class PlaylistAdmin(ImportMixin, admin.ModelAdmin):
    """Playlists."""

    list_display = ["id", "name", "created_at"]
    search_fields = ["name"]


@admin.register(VideoPlaylistItem)
class VideoPlaylistItemAdmin(ImportMixin, admin.ModelAdmin):
    """The videos of each playlist, by position."""

    list_display = ["id", "playlist", "position", "video"]
    list_select_related = ["playlist", "video"]
    raw_id_fields = ["playlist", "video"]
