"""Records duties: retention of files, subject-access exports and erasure on request."""
