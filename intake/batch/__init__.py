"""The batch job: scans in, forms out for review.

``driver`` reads as the list of its stages: each upload's pages read (``pages``: identify, align,
read, store the review image) and put into forms (``assembly``: group as ``intake read`` does,
fill from the pages' own template, match, score the doubt with ``doubt``). ``jobs`` is the queue's
doorway (Huey), ``context`` what the job is given, ``wiring`` the real reader and matcher, and
``proposal`` the matcher's typed result with its one JSON form.
"""
