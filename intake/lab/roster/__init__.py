"""A synthetic school roster for demos, samples and benchmarks (``intake demo-data``)."""
