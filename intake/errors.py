"""One exception tree, with messages a member of office staff can act on.

The CLI and the web layer each have one handler that turns these into exit codes and responses.
"""


class IntakeError(Exception):
    """Base of every error the product raises on purpose."""


class ConfigError(IntakeError):
    """Configuration is missing or invalid."""


class TemplateError(IntakeError):
    """A form template file is invalid; the message names the bad key."""


class InputFileError(IntakeError):
    """An uploaded or given file cannot be read (corrupt, encrypted, too large, wrong type)."""


class PageError(IntakeError):
    """A page cannot be identified or aligned."""


class RosterError(IntakeError):
    """A roster file cannot be imported; carries line-numbered problems."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class WorkflowError(IntakeError):
    """An action is not allowed in the current state (approve an unsigned form, say)."""


class ConflictError(WorkflowError):
    """Somebody else changed the record first (optimistic locking)."""


class LoginRefused(IntakeError):
    """A sign-in was refused (staff or portal): one message whatever the reason, so that it
    tells nobody whether the username exists."""


class EngineError(IntakeError):
    """A recognition engine failed (missing program or model, timeout, unreadable output)."""
