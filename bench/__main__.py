"""``python -m bench``: run the benchmark."""

from .run import main

main()
