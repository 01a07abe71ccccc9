"""The benchmark's models: a narrow table, a wide one with foreign keys, and their targets."""
