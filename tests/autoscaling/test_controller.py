"""The scalable target's controller with fake policies: arbitration, min/max, scheduled actions,
the activity log (reference §6.1, §6.2, §6.4). No alarms and no engine: proposals are made from
SimPy processes at chosen instants and phases, as the alarm evaluation does (DESIGN.md §5).

§6.2: "It will scale out the scalable target if any of the target tracking policies are ready for
scale out, but will scale in only if all of the target tracking policies (with the scale-in
portion enabled) are ready to scale in." "If multiple scaling policies instruct the scalable
target to scale out or in at the same time, Application Auto Scaling scales based on the policy
that provides the largest capacity for both scale in and scale out."
§6.1: if desired < min and a scale-out alarm fires, the target scales "up to the minimum capacity
value and then continues to scale out"; a scale-in does not adjust a desired count already below
min; symmetrically above max. Scale-in cooldown: "if another alarm initiates a scale-out activity
during the scale-in cooldown period, Service Auto Scaling scales out the target immediately."
"Application Auto Scaling turns off scale-in processes while Amazon ECS deployments are in
progress. However, scale-out processes continue to occur".
§6.4: an action sets MinCapacity and/or MaxCapacity; "current < new min → scale out to min;
current > new max → scale in to max"; "when a scheduled action starts at the scheduled time, it
can trigger a scaling activity immediately without waiting for the cooldown period to expire."
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from fargasim.autoscaling.controller import Activity, Proposal, ScalableTarget
from fargasim.autoscaling.cooldown import PolicyCooldown
from fargasim.core import Context, Phase

ALARM_HIGH = "TargetTracking-service/default/web-AlarmHigh-1b3c0000-0000-4000-8000-000000000001"
ALARM_LOW = "TargetTracking-service/default/web-AlarmLow-1b3c0000-0000-4000-8000-000000000001"


@dataclass(eq=False)
class FakePolicy:
    """A policy as the controller sees it, recording what it is told."""

    name: str
    ready: bool = True
    cooldown: PolicyCooldown = field(default_factory=PolicyCooldown.target_tracking)
    applied_log: list[tuple[float, int, int]] = field(default_factory=list)
    others_scaled_out: int = 0

    def ready_to_scale_in(self) -> bool:
        return self.ready

    def applied(self, now: float, from_capacity: int, to_capacity: int) -> None:
        self.applied_log.append((now, from_capacity, to_capacity))
        self.cooldown.record(now, from_capacity, to_capacity)

    def other_scaled_out(self) -> None:
        self.others_scaled_out += 1
        self.cooldown.cancel_scale_in_cooldown()


@dataclass
class FakeService:
    desired: int
    calls: list[tuple[float, int]] = field(default_factory=list)
    ctx: Context | None = None

    def set_desired(self, desired: int) -> None:
        assert self.ctx is not None
        self.calls.append((self.ctx.now, desired))
        self.desired = desired


@dataclass
class Rig:
    ctx: Context
    service: FakeService
    target: ScalableTarget
    policies: list[FakePolicy]

    def at(self, t: float, action: Callable[[], Any], phase: Phase = Phase.ALARMS) -> None:
        """Run ``action`` at time ``t`` in ``phase`` (alarms act in the ALARMS phase)."""

        def process() -> Generator[simpy.Event, Any, None]:
            yield self.ctx.timeout(t - self.ctx.now, phase)
            action()

        self.ctx.process(process())

    def propose(
        self, t: float, policy: FakePolicy, capacity: int, scale_out: bool, alarm: str = ""
    ) -> None:
        alarm = alarm or (ALARM_HIGH if scale_out else ALARM_LOW)
        cause = f"monitor alarm {alarm} in state ALARM triggered policy {policy.name}"
        self.at(t, lambda: self.target.propose(Proposal(policy, capacity, scale_out, cause)))

    def run(self) -> list[Activity]:
        self.ctx.env.run()
        return self.target.activities


def rig(
    desired: int = 4,
    min_capacity: int = 1,
    max_capacity: int = 10,
    policies: int = 2,
    running: int | None = None,
    scale_in_suspended: bool = False,
) -> Rig:
    ctx = Context(seed=0, end_time=10_000)
    service = FakeService(desired, ctx=ctx)
    fakes = [FakePolicy(f"p{i}") for i in range(policies)]
    target = ScalableTarget(
        ctx,
        "service/default/web",
        "web",
        service,
        lambda: service.desired if running is None else running,
        min_capacity,
        max_capacity,
        [],
        scale_in_suspended=lambda: scale_in_suspended,
        policies=list(fakes),
    )
    return Rig(ctx, service, target, fakes)


def moves(activities: list[Activity]) -> list[tuple[float, str, int, int]]:
    return [(a.time, a.policy_name, a.from_capacity, a.to_capacity) for a in activities]


# ------------------------------------------------------------------ same-instant arbitration


def test_proposals_of_one_instant_are_decided_together_in_the_scaling_phase() -> None:
    r = rig(desired=4)
    p0, p1 = r.policies
    seen: list[int] = []
    r.propose(60, p0, 6, True)
    r.propose(60, p1, 9, True)
    r.at(60, lambda: seen.append(r.service.desired), Phase.ALARMS)  # after both proposals
    r.at(60, lambda: seen.append(r.service.desired), Phase.SCHEDULER)  # after the decision
    activities = r.run()
    # One activity for the instant, not 4 → 6 then 6 → 9: the larger proposal wins (§6.2).
    assert moves(activities) == [(60.0, "p1", 4, 9)]
    assert seen == [4, 9]  # nothing changed before the SCALING phase
    assert r.service.calls == [(60.0, 9)]


def test_proposals_at_different_instants_are_decided_separately() -> None:
    r = rig(desired=4)
    p0, p1 = r.policies
    r.propose(60, p0, 6, True)
    r.propose(120, p1, 8, True)
    assert moves(r.run()) == [(60.0, "p0", 4, 6), (120.0, "p1", 6, 8)]


def test_largest_capacity_wins_for_scale_out() -> None:
    r = rig(desired=4, policies=3)
    p0, p1, p2 = r.policies
    r.propose(60, p0, 7, True)
    r.propose(60, p1, 5, True)
    r.propose(60, p2, 6, True)
    assert moves(r.run()) == [(60.0, "p0", 4, 7)]
    assert p0.applied_log == [(60.0, 4, 7)]
    assert p1.applied_log == [] and p2.applied_log == []


def test_largest_capacity_wins_for_scale_in() -> None:
    # "the policy that provides the largest capacity for both scale in and scale out": of 2 and
    # 3 the scale-in to 3 wins (the more conservative one).
    r = rig(desired=6, policies=2)
    p0, p1 = r.policies
    r.propose(60, p0, 2, False)
    r.propose(60, p1, 3, False)
    assert moves(r.run()) == [(60.0, "p1", 6, 3)]
    assert p1.applied_log == [(60.0, 6, 3)]
    assert p0.applied_log == []


def test_scale_out_beats_a_scale_in_of_the_same_instant() -> None:
    # "scale out … if any of the target tracking policies are ready for scale out".
    r = rig(desired=6)
    p0, p1 = r.policies
    r.propose(60, p0, 2, False)
    r.propose(60, p1, 7, True)
    assert moves(r.run()) == [(60.0, "p1", 6, 7)]


def test_scale_in_only_when_every_policy_is_ready_to_scale_in() -> None:
    # "will scale in only if all of the target tracking policies … are ready to scale in": p1
    # proposes nothing, but its low alarm is not in ALARM, so p0's scale-in is refused.
    r = rig(desired=6)
    p0, p1 = r.policies
    p1.ready = False
    r.propose(60, p0, 3, False)
    r.at(90, lambda: setattr(p1, "ready", True), Phase.STATE)
    r.propose(120, p0, 3, False)
    assert moves(r.run()) == [(120.0, "p0", 6, 3)]


def test_scale_in_needs_every_proposal_ready_too() -> None:
    r = rig(desired=6)
    p0, p1 = r.policies
    p0.ready = False
    r.propose(60, p0, 4, False)
    r.propose(60, p1, 3, False)
    assert r.run() == []


def test_scale_out_does_not_need_the_others_ready() -> None:
    r = rig(desired=4)
    p0, p1 = r.policies
    p1.ready = False
    r.propose(60, p0, 6, True)
    assert moves(r.run()) == [(60.0, "p0", 4, 6)]


def test_scale_in_is_suspended_during_a_deployment_but_scale_out_is_not() -> None:
    # §6.1: "turns off scale-in processes while Amazon ECS deployments are in progress. However,
    # scale-out processes continue to occur".
    r = rig(desired=6, scale_in_suspended=True)
    p0, p1 = r.policies
    r.propose(60, p0, 3, False)
    r.propose(120, p1, 8, True)
    assert moves(r.run()) == [(120.0, "p1", 6, 8)]


# ------------------------------------------------------------------------------ min and max


def test_scale_out_from_below_min_goes_to_min() -> None:
    # §6.1: desired 1 < min 3; a scale-out to 2 scales "up to the minimum capacity value".
    r = rig(desired=1, min_capacity=3)
    r.propose(60, r.policies[0], 2, True)
    assert moves(r.run()) == [(60.0, "p0", 1, 3)]


def test_scale_out_from_below_min_continues_past_min() -> None:
    # "… and then continues to scale out": a proposal above min is taken as it is.
    r = rig(desired=1, min_capacity=3)
    r.propose(60, r.policies[0], 5, True)
    r.propose(120, r.policies[1], 7, True)
    assert moves(r.run()) == [(60.0, "p0", 1, 5), (120.0, "p1", 5, 7)]


def test_scale_in_never_goes_below_min() -> None:
    r = rig(desired=6, min_capacity=4)
    r.propose(60, r.policies[0], 1, False)
    assert moves(r.run()) == [(60.0, "p0", 6, 4)]


def test_scale_in_does_nothing_at_min() -> None:
    r = rig(desired=4, min_capacity=4)
    r.propose(60, r.policies[0], 2, False)
    assert r.run() == []
    assert r.service.calls == []


def test_scale_in_does_not_adjust_a_desired_count_below_min() -> None:
    # §6.1: "a scale-in does not adjust a desired count already below min" (neither up to min
    # nor further down).
    r = rig(desired=2, min_capacity=4)
    r.propose(60, r.policies[0], 1, False)
    assert r.run() == []
    assert r.service.desired == 2


def test_scale_out_never_goes_above_max() -> None:
    r = rig(desired=4, max_capacity=10)
    r.propose(60, r.policies[0], 50, True)
    r.propose(120, r.policies[1], 12, True)  # already at max: no activity
    assert moves(r.run()) == [(60.0, "p0", 4, 10)]


def test_scale_out_does_not_adjust_a_desired_count_above_max() -> None:
    # §6.1 "Symmetrically above max": desired 12 > max 10, a scale-out changes nothing.
    r = rig(desired=12, max_capacity=10)
    r.propose(60, r.policies[0], 15, True)
    assert r.run() == []
    assert r.service.desired == 12


# ------------------------------------------------------------------------ scheduled actions


def test_scheduled_action_raising_min_raises_desired_at_once() -> None:
    # §6.4: "current < new min → scale out to min".
    r = rig(desired=2, min_capacity=1, max_capacity=10)
    r.at(3600, lambda: r.target.scheduled("open", 6, 20), Phase.SCALING)
    activities = r.run()
    assert moves(activities) == [(3600.0, "open", 2, 6)]
    assert r.service.calls == [(3600.0, 6)]
    assert (r.target.min_capacity, r.target.max_capacity) == (6, 20)
    assert activities[0].cause == (
        "scheduled action name open was triggered setting minimum capacity to 6 and maximum "
        "capacity to 20, changing the desired capacity from 2 to 6."
    )


def test_scheduled_action_lowering_max_lowers_desired_at_once() -> None:
    # §6.4: "current > new max → scale in to max".
    r = rig(desired=9, min_capacity=1, max_capacity=10)
    r.at(3600, lambda: r.target.scheduled("close", None, 4), Phase.SCALING)
    activities = r.run()
    assert moves(activities) == [(3600.0, "close", 9, 4)]
    assert (r.target.min_capacity, r.target.max_capacity) == (1, 4)
    assert activities[0].cause.startswith(
        "scheduled action name close was triggered setting maximum capacity to 4"
    )
    assert activities[0].cause.endswith("changing the desired capacity from 9 to 4.")


def test_scheduled_action_inside_the_new_range_keeps_desired() -> None:
    r = rig(desired=5, min_capacity=1, max_capacity=10)
    r.at(3600, lambda: r.target.scheduled("widen", 2, 12), Phase.SCALING)
    activities = r.run()
    assert moves(activities) == [(3600.0, "widen", 5, 5)]
    assert r.service.calls == []
    assert "changing the desired capacity" not in activities[0].cause


def test_scheduled_action_ignores_cooldowns_and_readiness() -> None:
    # §6.4: "it can trigger a scaling activity immediately without waiting for the cooldown
    # period to expire". p0 scales in at 60 (scale-in cooldown of 300 s running) and p1 is not
    # ready to scale in; the scheduled lowering of max at 120 still lowers desired at once.
    r = rig(desired=8, min_capacity=1, max_capacity=10)
    p0, p1 = r.policies
    r.propose(60, p0, 7, False)
    r.at(100, lambda: setattr(p1, "ready", False), Phase.STATE)
    r.at(120, lambda: r.target.scheduled("night", None, 3), Phase.SCALING)
    activities = r.run()
    assert p0.cooldown.in_scale_in_cooldown(120.0)
    assert moves(activities) == [(60.0, "p0", 8, 7), (120.0, "night", 7, 3)]
    # The scheduled action is not a policy's activity: no cooldown bookkeeping for it.
    assert p0.applied_log == [(60.0, 8, 7)]
    assert p1.applied_log == []


def test_new_bounds_apply_to_later_proposals() -> None:
    r = rig(desired=4, min_capacity=1, max_capacity=10)
    p0, p1 = r.policies
    r.at(100, lambda: r.target.scheduled("cap", None, 5), Phase.SCALING)
    r.propose(160, p0, 9, True)
    r.at(200, lambda: r.target.scheduled("floor", 3, None), Phase.SCALING)
    r.propose(260, p1, 1, False)
    assert moves(r.run()) == [
        (100.0, "cap", 4, 4),
        (160.0, "p0", 4, 5),
        (200.0, "floor", 5, 5),
        (260.0, "p1", 5, 3),
    ]


# ------------------------------------------------------------------------ the activity log


def test_activity_cause_reads_like_aws() -> None:
    r = rig(desired=2)
    r.propose(60, r.policies[0], 4, True, alarm=ALARM_HIGH)
    (activity,) = r.run()
    assert activity == Activity(
        60.0,
        "web",
        "p0",
        2,
        4,
        f"monitor alarm {ALARM_HIGH} in state ALARM triggered policy p0 changing the desired "
        "capacity from 2 to 4.",
    )


def test_a_winning_scale_out_cancels_the_other_policies_scale_in_cooldown() -> None:
    # §6.1: "if another alarm initiates a scale-out activity during the scale-in cooldown
    # period, Service Auto Scaling scales out the target immediately" (and the user guide:
    # "the cooldown period for the scale-in activity stops").
    r = rig(desired=6)
    p0, p1 = r.policies
    r.propose(60, p0, 4, False)  # p0's scale-in cooldown runs until 360
    r.propose(120, p1, 7, True)  # p1 scales out: p0's scale-in cooldown stops
    checks: list[bool] = []
    r.at(61, lambda: checks.append(p0.cooldown.in_scale_in_cooldown(61.0)), Phase.STATE)
    r.at(121, lambda: checks.append(p0.cooldown.in_scale_in_cooldown(121.0)), Phase.STATE)
    assert moves(r.run()) == [(60.0, "p0", 6, 4), (120.0, "p1", 4, 7)]
    assert checks == [True, False]
    assert p0.others_scaled_out == 1
    assert p1.others_scaled_out == 0  # the winner is told through applied(), not this


def test_a_scale_in_does_not_touch_the_other_policies() -> None:
    r = rig(desired=6)
    p0, p1 = r.policies
    r.propose(60, p0, 4, False)
    r.run()
    assert p1.others_scaled_out == 0 and p1.applied_log == []


def test_scheduled_action_that_would_put_min_above_max_is_not_applied() -> None:
    """A one-sided scheduled action (MinCapacity 12 against a MaxCapacity of 10) cannot leave
    min above max: nothing changes and the activity says why (fargasim's documented choice)."""
    r = rig(desired=5, min_capacity=1, max_capacity=10)
    r.at(3600, lambda: r.target.scheduled("too-high", 12, None), Phase.SCALING)
    activities = r.run()
    assert moves(activities) == [(3600.0, "too-high", 5, 5)]
    assert (r.target.min_capacity, r.target.max_capacity) == (1, 10)
    assert r.service.calls == []
    assert "failed: minimum capacity 12 would exceed maximum capacity 10" in activities[0].cause
