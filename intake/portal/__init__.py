"""Provisioning of portal accounts to the school's Parent Portal over SCIM 2.0 (RFC 7643/7644).

Every account change calls ``outbox.account_changed`` (``outbox.password_issued`` when a letter
prints a password) inside its own transaction; ``push.push_due`` sends the open pushes through
``scim.ScimPortal``, the one module that talks to the portal.
"""
