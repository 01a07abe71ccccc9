"""The demo's videos app."""

from django.apps import AppConfig


class VideosConfig(AppConfig):
    """Videos, playlists and the items that put videos in playlists."""

    name = "videos"
