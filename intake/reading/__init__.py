"""Reading returned forms: ingest, identify, align, recognise, validate."""
