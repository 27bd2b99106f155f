"""The Application Load Balancer side of a service: target-group settings and target health (§9)."""

from fargasim.elb.settings import TargetGroupSettings, settings_from_spec
from fargasim.elb.targets import TargetGroup, TargetHealth

__all__ = ["TargetGroup", "TargetGroupSettings", "TargetHealth", "settings_from_spec"]
