"""The sample generator: forms filled as parents fill them, then scanned as copiers scan them."""
