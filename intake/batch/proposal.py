"""What the roster says of a read form, and its one JSON form (the ``forms.proposed`` column).

The batch job's matcher and the review screen's re-match after a person's choice both store a
``Proposal`` through ``proposal_to_json``; ``proposal_from_json`` reads it back. The stored shape
is the ``FormMatch`` fields (children, applicants, warnings...) beside ``status``, ``confirmed``,
``corrected`` and ``unresolved``, which the review screen and the accounts area read.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intake.matching.proposals import FormMatch


class MatchStatus(enum.StrEnum):
    OK = "ok"
    FAILED = "matching_failed"  # the matcher raised: the form goes to a person unmatched


@dataclass(frozen=True)
class StoredCorrection:
    """One or two doubtful characters that make a field exactly what the records hold."""

    raw: str  # the box string with the record's characters swapped in
    read: str  # the box string as read
    source: str  # "student <id>" or "contact <id>"
    replaced: tuple[int, ...]  # box indices


@dataclass(frozen=True)
class Proposal:
    """The matcher's result for one form."""

    status: MatchStatus
    match: FormMatch | None = None
    #: field id -> the record that confirms it ("student <id>" / "contact <id>")
    confirmed: Mapping[str, str] = field(default_factory=dict)
    corrected: Mapping[str, StoredCorrection] = field(default_factory=dict)

    @property
    def unresolved(self) -> int:
        """Child rows with no student and applicants that may not be approved (a failed match
        counts as one)."""
        if self.match is None:
            return 1 if self.status is MatchStatus.FAILED else 0
        return sum(1 for c in self.match.children if not c.student_id) + sum(
            1 for a in self.match.applicants if not a.may_approve
        )


def _plain(value: Any) -> Any:
    """Dataclasses to dicts, enums to their values, tuples to lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def proposal_to_json(proposal: Proposal) -> dict[str, Any]:
    """The proposal as stored in ``forms.proposed``."""
    data: dict[str, Any] = _plain(proposal.match) if proposal.match else {}
    data.setdefault("children", [])
    data.setdefault("applicants", [])
    data["status"] = proposal.status.value
    data["confirmed"] = dict(proposal.confirmed)
    data["corrected"] = _plain(proposal.corrected)
    data["unresolved"] = proposal.unresolved
    return data


def _typed(hint: Any, value: Any) -> Any:
    """``value`` (stored JSON) as ``hint``: dataclasses, enums, tuples, optionals."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if value is None else _typed(options[0], value)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(args[0], v) for v in value)
        return tuple(_typed(a, v) for a, v in zip(args, value, strict=True))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        known = {f.name for f in dataclasses.fields(hint) if f.init}
        return hint(**{k: _typed(hints[k], v) for k, v in value.items() if k in known})
    return value


def proposal_from_json(data: Mapping[str, Any]) -> Proposal:
    """The stored proposal back as typed values (a form never matched reads as failed; a match
    that no longer decodes reads as none, its confirmations and corrections kept)."""
    try:
        status = MatchStatus(data.get("status") or data.get("error") or "")
    except ValueError:
        return Proposal(MatchStatus.FAILED)
    match: FormMatch | None = None
    if status is MatchStatus.OK:
        try:
            match = _typed(FormMatch, data)
        except (TypeError, KeyError, ValueError):
            match = None  # stored by an older version, or cut short: the rest still counts
    corrected = {
        fid: _typed(StoredCorrection, item) for fid, item in (data.get("corrected") or {}).items()
    }
    return Proposal(status, match, dict(data.get("confirmed") or {}), corrected)
