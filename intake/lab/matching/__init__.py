"""Measurement of the matcher: simulated reads of forms and their scores against the truth."""
