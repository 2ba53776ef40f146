"""Reading plans in tests: the changes to Netlify objects, apart from the ledger's bookkeeping."""

from __future__ import annotations

from reconciler.model.change import Action, Change
from reconciler.plan.model import Plan


def config_changes(plan: Plan) -> list[Change]:
    """The plan's changes to Netlify objects, without the lease and ledger writes around them."""
    return [c for c in plan.changes if c.action is not Action.RECORD]


def bookkeeping(plan: Plan) -> list[str]:
    """The addresses of the lease and ledger writes, in plan order."""
    return [c.address for c in plan.changes if c.action is Action.RECORD]


def one_change(plan: Plan, *, ledger: bool = True) -> Change:
    """The plan's only change to a Netlify object; with `ledger`, it must come with its owner's lease
    (taken first) and ledger write (last)."""
    (change,) = config_changes(plan)
    owner = change.owner.address
    expected = [f"{owner}.lease", f"{owner}.ledger"] if ledger else []
    assert bookkeeping(plan) == expected, bookkeeping(plan)
    if ledger:
        assert plan.changes[0].address == f"{owner}.lease" and plan.changes[-1].address == f"{owner}.ledger"
    return change
