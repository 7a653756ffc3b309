"""Every allowed and every refused status change, from one table."""

import itertools

import pytest

from cases.lifecycle import STATUSES, TRANSITIONS, TransitionError, check_transition, is_reopen

ALLOWED = {
    ("new", "open"),
    ("new", "pending_customer"),
    ("new", "resolved"),
    ("open", "pending_customer"),
    ("open", "resolved"),
    ("pending_customer", "open"),
    ("pending_customer", "resolved"),
    ("resolved", "open"),
    ("resolved", "closed"),
    ("closed", "open"),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_transition_table(current, target):
    if (current, target) in ALLOWED:
        check_transition(current, target, resolution="Replaced the hub.")
    else:
        with pytest.raises(TransitionError):
            check_transition(current, target, resolution="Replaced the hub.")


def test_the_table_in_the_code_is_the_table_above():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize("resolution", [None, "", "   "])
def test_resolving_needs_a_resolution_note(resolution):
    with pytest.raises(TransitionError, match="resolution note"):
        check_transition("open", "resolved", resolution=resolution)


def test_a_refusal_says_what_is_allowed():
    with pytest.raises(TransitionError, match=r"a closed case cannot become resolved \(allowed: open\)"):
        check_transition("closed", "resolved", resolution="x")


def test_leaving_resolved_or_closed_is_a_reopen():
    assert is_reopen("resolved", "open") and is_reopen("closed", "open")
    assert not is_reopen("pending_customer", "open")
