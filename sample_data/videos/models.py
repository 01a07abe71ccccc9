"""Videos, playlists, and the items that place a video at a position in a playlist."""

from django.db import models


class Video(models.Model):
    """A video. The verbose names are what a spreadsheet's headers say."""

    id = models.BigAutoField(primary_key=True, verbose_name="video ID")
    title = models.CharField(max_length=200)
    duration_seconds = models.PositiveIntegerField(verbose_name="duration (s)")
    published_at = models.DateTimeField(verbose_name="published")

    def __str__(self) -> str:
        return self.title


class Playlist(models.Model):
    """A named, ordered list of videos."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class VideoPlaylistItem(models.Model):
    """A video at a position in a playlist."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="placements")
    position = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["playlist", "position"], name="unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.position}: {self.video_id}"
