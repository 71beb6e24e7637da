"""Recognition engines behind one small interface (``intake.engines.base``)."""
