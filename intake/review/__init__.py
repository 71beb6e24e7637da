"""The review service: a form's states, the actions staff take on it, and their rules.

``states`` is the form's state machine and who may take which action from which state (the one
place where a transition is checked); ``service`` carries the actions (accept, hold, release,
reopen, reject, correct a field, choose a student or contact), each audited once;
``corrections`` and ``choices`` are the value changes the actions make. No Flask here: the web
views parse the request, call the service and render what it returns.

This module imports nothing on purpose: ``intake.db.workflow`` imports ``states`` from here.
"""
