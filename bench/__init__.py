"""The benchmark suite: safeimport against psql's ``\\copy`` and the peers, side by side.

Run it with ``python -m bench`` (see ``bench/run.py``).
"""
