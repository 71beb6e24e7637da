"""Matching read forms to the roster: children to students, applicants to contacts.

Pure functions over ``intake.roster.model`` and ``intake.reading.result`` values; the one
doorway to rapidfuzz is ``intake.matching.fuzzy``. Start at ``proposals.match_form``.
"""
