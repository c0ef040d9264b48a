"""The city-scale benchmark (`flask bench`): a cached database and a table of timings."""
