"""Write the demo's data files (seeded, so the same files every time).

    python sample_data/make_data.py

videos.csv (2,000 videos), playlists.json (120 playlists, a JSON array) and
playlist_items.csv (3,000 items), each with the explicit ids of an export from another
database.
"""

import csv
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

DATA = Path(__file__).parent / "data"
WORDS = [
    "river",
    "mountain",
    "city",
    "night",
    "summer",
    "code",
    "guitar",
    "kitchen",
    "garden",
    "storm",
    "ocean",
    "coffee",
    "train",
    "winter",
    "forest",
    "market",
    "robot",
    "dance",
    "paper",
    "light",
]


def main() -> None:
    """Write the three files into sample_data/data/."""
    rng = random.Random(2024)
    epoch = datetime(2023, 1, 1, tzinfo=UTC)
    DATA.mkdir(exist_ok=True)
    with open(DATA / "videos.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "title", "duration_seconds", "published_at"])
        for video_id in range(1, 2001):
            title = " ".join(rng.choice(WORDS) for _ in range(3)).title()
            published = epoch + timedelta(minutes=rng.randrange(600_000))
            writer.writerow([video_id, title, rng.randrange(30, 3600), published.isoformat()])
    playlists = [
        {
            "id": playlist_id,
            "name": f"{rng.choice(WORDS).title()} mix #{playlist_id}",
            "created_at": (epoch + timedelta(days=rng.randrange(600))).isoformat(),
        }
        for playlist_id in range(1, 121)
    ]
    (DATA / "playlists.json").write_text(json.dumps(playlists, indent=1) + "\n")
    with open(DATA / "playlist_items.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "playlist_id", "video_id", "position"])
        item_id = 0
        for playlist_id in range(1, 121):
            for position in range(1, 26):
                item_id += 1
                writer.writerow([item_id, playlist_id, rng.randrange(1, 2001), position])


if __name__ == "__main__":
    main()
