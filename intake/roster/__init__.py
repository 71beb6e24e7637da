"""The school roster: students, contacts and the links between them that the MIS holds."""
