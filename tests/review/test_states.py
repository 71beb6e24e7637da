"""The state machine and its rules, as a table: every action from every state by every role."""

from __future__ import annotations

import pytest

from intake.review.states import (
    ALLOWED_TRANSITIONS,
    RULES,
    Action,
    FormState,
    RoleRefused,
    TransitionRefused,
    check_action,
    check_transition,
)
from intake.staff.roles import Role

S = FormState
OPEN = {S.REVIEW, S.HELD, S.CHECKED}
#: the policy, written out by hand: action -> (states it may start from, lowest role)
EXPECTED: dict[Action, tuple[set[FormState], Role]] = {
    Action.ACCEPT: ({S.REVIEW, S.HELD, S.CHECKED}, Role.OFFICE),
    Action.HOLD: ({S.REVIEW, S.CHECKED}, Role.OFFICE),
    Action.RELEASE: ({S.HELD}, Role.OFFICE),
    Action.REOPEN: ({S.CHECKED}, Role.APPROVER),
    Action.REJECT: (OPEN, Role.APPROVER),
    Action.APPROVE: ({S.REVIEW, S.CHECKED}, Role.APPROVER),
    Action.CORRECT: (OPEN, Role.OFFICE),
    Action.CHOOSE: (OPEN, Role.OFFICE),
    Action.UNDO_ACCEPT: ({S.CHECKED}, Role.OFFICE),
    Action.VERIFY: ({S.REVIEW}, Role.OFFICE),
}
RANK = [Role.OFFICE, Role.APPROVER, Role.ADMIN]
CASES = [(a, s, r) for a in Action for s in FormState for r in Role]


def test_every_action_has_a_rule_in_the_table() -> None:
    assert set(EXPECTED) == set(Action) == set(RULES)


@pytest.mark.parametrize(("action", "state", "role"), CASES, ids=lambda v: str(v))
def test_action_by_role_from_state(action: Action, state: FormState, role: Role) -> None:
    sources, lowest = EXPECTED[action]
    if RANK.index(role) < RANK.index(lowest):
        with pytest.raises(RoleRefused, match=f"the {lowest.value} role"):
            check_action(action, state, role)
    elif state not in sources:
        with pytest.raises(TransitionRefused, match=f"state '{state.value}'"):
            check_action(action, state, role)
    else:
        assert check_action(action, state, role) is RULES[action]


@pytest.mark.parametrize("action", [a for a in Action if RULES[a].target is not None])
def test_each_rule_follows_the_machine(action: Action) -> None:
    rule = RULES[action]
    assert rule.target is not None
    for source in rule.sources:
        if action is Action.APPROVE:  # through approved, in the same transaction
            check_transition(source, S.APPROVED)
            check_transition(S.APPROVED, rule.target)
        elif source != rule.target:  # accepting a checked form again keeps it checked
            assert check_transition(source, rule.target) is rule.target


@pytest.mark.parametrize("final", [S.REJECTED, S.ACCOUNTS_CREATED])
def test_decided_forms_are_final(final: FormState) -> None:
    assert ALLOWED_TRANSITIONS[final] == frozenset()
    with pytest.raises(TransitionRefused, match=f"state '{final.value}'.*cannot become 'review'"):
        check_transition(final, S.REVIEW)


def test_a_refusal_names_the_state_in_words() -> None:
    with pytest.raises(TransitionRefused, match=r"has been rejected .* only a held form"):
        check_action(Action.RELEASE, S.REJECTED, Role.ADMIN)
