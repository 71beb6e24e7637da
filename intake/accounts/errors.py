"""Errors of the accounts area (all within the product's ``IntakeError`` tree)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.errors import IntakeError, WorkflowError

if TYPE_CHECKING:
    from intake.accounts.approval import Issue


class NotFoundError(IntakeError):
    """No such form, account, hold or token (or not one this user may see)."""


class FourEyesError(WorkflowError):
    """The approver uploaded or last edited the form: somebody else must approve it."""


class ApprovalBlocked(WorkflowError):
    """The form cannot be approved as it stands; ``issues`` says why, one line each."""

    def __init__(self, message: str, issues: tuple[Issue, ...]) -> None:
        super().__init__(message)
        self.issues = issues
        self.problems = [issue.message for issue in issues]


class ConfirmationNeeded(ApprovalBlocked):
    """The plan has cautions (choices made by hand, names that differ, children not on the form)
    and the approver has not ticked that they checked them."""
