"""Cooldowns of one policy (reference §6.1, §6.2, §6.3).

§6.1 (ECS Developer Guide, service-auto-scaling): "The scaling policy won't increase the desired
capacity again unless either a larger scale out is initiated or the cooldown period ends. While
the scale-out cooldown period is in effect, the capacity added by the initiating scale-out
activity is calculated as part of the desired capacity for the next scale-out activity." and
"scale-in activities are blocked until the cooldown period has expired. However, if another
alarm initiates a scale-out activity during the scale-in cooldown period, Service Auto Scaling
scales out the target immediately."
§6.3 / StepScalingPolicyConfiguration.Cooldown: "when an alarm triggers a step scaling policy to
increase the capacity by 2, the scaling activity completes successfully, and a cooldown period
starts. If the alarm triggers again during the cooldown period but at a more aggressive step
adjustment of 3, the previous increase of 2 is considered part of the current capacity.
Therefore, only 1 is added to the capacity." … "If not specified, the default value is 300."
"""

from __future__ import annotations

import pytest

from fargasim.autoscaling.cooldown import PolicyCooldown
from fargasim.autoscaling.step import StepAdjustment, StepPolicyConfig, select_step, step_capacity

# An ECS service at 10 tasks; alarm threshold 70: +2 tasks from 70 to 85, +3 above 85.
STEPS = StepPolicyConfig(
    "ChangeInCapacity", (StepAdjustment(0, 15, 2), StepAdjustment(15, None, 3)), cooldown=300
)


def _step_scale_out(
    cd: PolicyCooldown, now: float, metric: float, running: int, desired: int
) -> int:
    """What the controller does: the step's proposal from the cooldown's base, then the rule."""
    step = select_step(STEPS, metric, 70.0)
    assert step is not None
    proposed = step_capacity(STEPS, step, cd.scale_out_base(now, running))
    allowed = cd.allow_scale_out(now, proposed, desired)
    if allowed is None:
        return desired
    cd.record(now, desired, allowed)
    return allowed


def test_defaults() -> None:
    # §6.2: ScaleOutCooldown / ScaleInCooldown default to 300 s for ECS services;
    # StepScalingPolicyConfiguration.Cooldown: "If not specified, the default value is 300."
    tt = PolicyCooldown.target_tracking()
    assert (tt.scale_out_cooldown, tt.scale_in_cooldown) == (300.0, 300.0)
    step = PolicyCooldown.step()
    assert (step.scale_out_cooldown, step.scale_in_cooldown) == (300.0, 300.0)
    assert PolicyCooldown.step(60).scale_in_cooldown == 60
    with pytest.raises(ValueError):
        PolicyCooldown(-1, 0)


def test_step_example_only_1_is_added() -> None:
    cd = PolicyCooldown.step(STEPS.cooldown)
    desired = _step_scale_out(cd, 0.0, 75.0, running=10, desired=10)
    assert desired == 12  # "increase the capacity by 2"
    # The alarm triggers again during the cooldown "at a more aggressive step adjustment of 3";
    # the 2 new tasks are running by now, yet "only 1 is added".
    desired = _step_scale_out(cd, 60.0, 90.0, running=12, desired=desired)
    assert desired == 13


def test_the_same_step_again_adds_nothing_until_the_cooldown_ends() -> None:
    cd = PolicyCooldown.step(300)
    desired = _step_scale_out(cd, 0.0, 75.0, running=10, desired=10)
    for now in (60.0, 120.0, 299.0):
        assert _step_scale_out(cd, now, 75.0, running=12, desired=desired) == 12
    # "… or the cooldown period ends": at 300 s the policy adds 2 more.
    assert _step_scale_out(cd, 300.0, 75.0, running=12, desired=desired) == 14


def test_a_larger_scale_out_restarts_the_cooldown_and_keeps_its_base() -> None:
    cd = PolicyCooldown.step(300)
    desired = _step_scale_out(cd, 0.0, 75.0, running=10, desired=10)  # 12, cooldown to 300
    desired = _step_scale_out(cd, 200.0, 90.0, running=12, desired=desired)  # 13, cooldown to 500
    assert desired == 13
    assert cd.in_scale_out_cooldown(400.0)
    assert _step_scale_out(cd, 400.0, 90.0, running=13, desired=desired) == 13
    assert _step_scale_out(cd, 500.0, 90.0, running=13, desired=desired) == 16


def test_target_tracking_scale_out_during_cooldown_needs_a_larger_one() -> None:
    cd = PolicyCooldown.target_tracking(300, 300)
    assert cd.allow_scale_out(0.0, 14, desired=10) == 14
    cd.record(0.0, 10, 14)
    # Tasks still starting: the proposal from the running count is not larger than 14.
    assert cd.allow_scale_out(60.0, 13, desired=14) is None
    assert cd.allow_scale_out(60.0, 14, desired=14) is None
    # "unless … a larger scale out is initiated": only the difference is added.
    assert cd.allow_scale_out(120.0, 17, desired=14) == 17
    # Even if something lowered the desired count meanwhile, the capacity the initiating
    # activity added still counts until the cooldown ends.
    assert cd.allow_scale_out(130.0, 12, desired=11) is None
    assert cd.allow_scale_out(300.0, 12, desired=11) == 12


def test_a_proposal_below_desired_is_never_a_scale_out() -> None:
    cd = PolicyCooldown.target_tracking()
    assert cd.allow_scale_out(0.0, 5, desired=5) is None
    assert cd.allow_scale_out(0.0, 4, desired=5) is None


def test_scale_in_is_blocked_until_the_cooldown_has_expired() -> None:
    cd = PolicyCooldown.target_tracking(300, 300)
    assert cd.allow_scale_in(0.0)
    cd.record(0.0, 10, 8)
    assert not cd.allow_scale_in(1.0)
    assert not cd.allow_scale_in(299.999)
    assert cd.allow_scale_in(300.0)


def test_a_scale_out_during_the_scale_in_cooldown_happens_immediately_and_ends_it() -> None:
    cd = PolicyCooldown.target_tracking(300, 300)
    cd.record(0.0, 10, 8)
    # "if another alarm initiates a scale-out activity during the scale-in cooldown period,
    # Service Auto Scaling scales out the target immediately"
    assert cd.allow_scale_out(10.0, 11, desired=8) == 11
    cd.record(10.0, 8, 11)
    # "the cooldown period for the scale-in activity stops and doesn't complete"
    assert cd.allow_scale_in(11.0)


def test_a_scale_out_by_another_policy_cancels_the_scale_in_cooldown() -> None:
    cd = PolicyCooldown.step(300)
    cd.record(0.0, 10, 9)
    assert not cd.allow_scale_in(50.0)
    cd.cancel_scale_in_cooldown()
    assert cd.allow_scale_in(50.0)


def test_scale_in_does_not_wait_for_the_scale_out_cooldown() -> None:
    # ScaleInCooldown: "after a scale-in activity completes before another scale-in activity
    # can start" — a scale-out does not start it.
    cd = PolicyCooldown.target_tracking(300, 300)
    cd.record(0.0, 10, 12)
    assert cd.allow_scale_in(1.0)
    cd.record(1.0, 12, 11)
    assert not cd.in_scale_out_cooldown(2.0)
    assert cd.scale_out_base(2.0, 11) == 11


def test_recording_no_change_changes_nothing() -> None:
    cd = PolicyCooldown.target_tracking()
    cd.record(0.0, 5, 5)
    assert not cd.in_scale_out_cooldown(0.0)
    assert not cd.in_scale_in_cooldown(0.0)


def test_zero_cooldown() -> None:
    cd = PolicyCooldown.step(0)
    cd.record(0.0, 4, 6)
    assert not cd.in_scale_out_cooldown(0.0)
    assert cd.scale_out_base(0.0, 6) == 6
