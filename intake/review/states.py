"""A form's states, the transitions between them, and which staff role may take which action.

Everything that moves a form between states is checked here: ``check_action`` for the staff
actions of ``intake.review.service`` and the approval of ``intake.accounts``, and
``check_transition`` (through ``Form.move_to``) for the batch job. Refusals are
``TransitionRefused`` or ``RoleRefused`` with a message that names the state and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from intake.errors import ConflictError, WorkflowError
from intake.staff.roles import Role, has_role


class FormState(StrEnum):
    """Where a form is in its life.

    processing -> review -> checked (values confirmed by a person) -> approved / rejected ->
    accounts_created. ``held`` parks a form that needs research; it can go back to review.
    An approver may approve straight from ``review`` too, and may send a checked form back to
    review (reopen). ``rejected`` and ``accounts_created`` are final: letters have gone out.
    """

    PROCESSING = "processing"
    REVIEW = "review"
    CHECKED = "checked"
    HELD = "held"
    APPROVED = "approved"
    REJECTED = "rejected"
    ACCOUNTS_CREATED = "accounts_created"


ALLOWED_TRANSITIONS: dict[FormState, frozenset[FormState]] = {
    FormState.PROCESSING: frozenset({FormState.REVIEW}),
    FormState.REVIEW: frozenset(
        {FormState.CHECKED, FormState.HELD, FormState.REJECTED, FormState.APPROVED}
    ),
    FormState.HELD: frozenset({FormState.REVIEW, FormState.CHECKED, FormState.REJECTED}),
    FormState.CHECKED: frozenset(
        {FormState.APPROVED, FormState.REJECTED, FormState.REVIEW, FormState.HELD}
    ),
    FormState.APPROVED: frozenset({FormState.ACCOUNTS_CREATED}),
    # final: a rejection letter exists; a new application is a new form
    FormState.REJECTED: frozenset(),
    FormState.ACCOUNTS_CREATED: frozenset(),
}

#: states in which a person still has to look at the form (the review queue)
QUEUE_STATES = (FormState.REVIEW, FormState.HELD)

_WORDS = {
    FormState.PROCESSING: "is still being read",
    FormState.REVIEW: "is waiting for review",
    FormState.CHECKED: "has been checked and is waiting for an approver",
    FormState.HELD: "is held",
    FormState.APPROVED: "has been approved",
    FormState.REJECTED: "has been rejected",
    FormState.ACCOUNTS_CREATED: "has its accounts already",
}


class TransitionRefused(ConflictError):
    """The form's state does not allow this action. A conflict: the form is not (or no longer)
    in the state the person saw, most often because somebody else moved it first."""


class RoleRefused(WorkflowError):
    """The staff member's role does not allow this action."""


class Action(StrEnum):
    """What a member of staff does to a form."""

    ACCEPT = "accept"
    HOLD = "hold"
    RELEASE = "release"
    REOPEN = "reopen"
    REJECT = "reject"
    APPROVE = "approve"
    CORRECT = "correct"
    CHOOSE = "choose"
    UNDO_ACCEPT = "undo_accept"
    VERIFY = "verify"


@dataclass(frozen=True)
class ActionRule:
    """From which states an action may start, where it leads (``None``: the state stays), and
    the lowest role that may take it."""

    sources: frozenset[FormState]
    target: FormState | None
    role: Role
    #: what the refusal says after "This form ..."
    needs: str


_OPEN = frozenset({FormState.REVIEW, FormState.HELD, FormState.CHECKED})

RULES: dict[Action, ActionRule] = {
    # a checked form accepted again (after a correction on the review screen) stays checked
    Action.ACCEPT: ActionRule(
        frozenset({FormState.REVIEW, FormState.HELD, FormState.CHECKED}),
        FormState.CHECKED,
        Role.OFFICE,
        "only a form still open can be accepted",
    ),
    Action.HOLD: ActionRule(
        frozenset({FormState.REVIEW, FormState.CHECKED}),
        FormState.HELD,
        Role.OFFICE,
        "only a form in review or checked can be held",
    ),
    Action.RELEASE: ActionRule(
        frozenset({FormState.HELD}),
        FormState.REVIEW,
        Role.OFFICE,
        "only a held form can be released back to review",
    ),
    Action.REOPEN: ActionRule(
        frozenset({FormState.CHECKED}),
        FormState.REVIEW,
        Role.APPROVER,
        "only a checked form can be sent back to review",
    ),
    # the person who accepted a form takes it back before anybody decided it
    Action.UNDO_ACCEPT: ActionRule(
        frozenset({FormState.CHECKED}),
        FormState.REVIEW,
        Role.OFFICE,
        "only a checked form waiting for a decision can have its accept undone",
    ),
    Action.REJECT: ActionRule(
        _OPEN, FormState.REJECTED, Role.APPROVER, "only a form still open can be rejected"
    ),
    Action.APPROVE: ActionRule(
        frozenset({FormState.REVIEW, FormState.CHECKED}),
        FormState.ACCOUNTS_CREATED,
        Role.APPROVER,
        "only forms in review or checked can be approved",
    ),
    Action.CORRECT: ActionRule(
        _OPEN, None, Role.OFFICE, "values can only be corrected while the form is open"
    ),
    Action.CHOOSE: ActionRule(
        _OPEN, None, Role.OFFICE, "choices can only change while the form is open"
    ),
    # group verification changes characters of many forms from one screen: only forms nobody
    # has accepted or held yet, so a person's accept or research is never changed behind them
    Action.VERIFY: ActionRule(
        frozenset({FormState.REVIEW}),
        None,
        Role.OFFICE,
        "only a form still waiting for review can be checked in a group",
    ),
}

#: the states from which an approver may decide a form (the accounts screen lists these)
APPROVABLE_STATES = tuple(s for s in FormState if s in RULES[Action.APPROVE].sources)
REJECTABLE_STATES = tuple(s for s in FormState if s in RULES[Action.REJECT].sources)


def describe(state: FormState | str) -> str:
    """Words for a state, for messages to staff ("has been rejected")."""
    return _WORDS.get(FormState(state), f"is in state {state}")


def check_transition(current: FormState | str, target: FormState | str) -> FormState:
    """The target state when the machine allows ``current -> target``; else ``TransitionRefused``
    naming the state."""
    here, there = FormState(current), FormState(target)
    if there not in ALLOWED_TRANSITIONS[here]:
        raise TransitionRefused(
            f"This form {describe(here)} (state {here.value!r}); it cannot become {there.value!r}."
        )
    return there


def check_state(action: Action, current: FormState | str) -> ActionRule:
    """The rule of ``action`` when a form in ``current`` allows it, else ``TransitionRefused``
    naming the state. For callers that have checked the role already (the accounts service,
    behind its approver-only screens)."""
    rule = RULES[action]
    here = FormState(current)
    if here not in rule.sources:
        raise TransitionRefused(f"This form {describe(here)} (state {here.value!r}): {rule.needs}.")
    return rule


def check_action(action: Action, current: FormState | str, role: Role | str) -> ActionRule:
    """The rule of ``action`` when ``role`` may take it from ``current``; else ``RoleRefused``
    (checked first: a role that may not act learns nothing about the form) or
    ``TransitionRefused``."""
    rule = RULES[action]
    if not has_role(role, rule.role):
        raise RoleRefused(
            f"Only staff with the {rule.role.value} role or above can {action.value}."
        )
    return check_state(action, current)
