"""Staff authentication: who the office, approvers and admins are, and how they sign in.

``roles`` (the three roles), ``passwords`` (argon2id hashing and the password policy),
``directory`` (create, reset, role and enable/disable, each audited) and ``login`` (the
``LoginBackend`` seam and the password backend with its lockout). No Flask here: the web views,
the CLI and the tests call the same functions.

This module imports nothing on purpose: ``intake.db.workflow`` imports ``roles`` from here.
"""
