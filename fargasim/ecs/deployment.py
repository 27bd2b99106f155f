"""A service deployment: the task definition and settings one generation of tasks runs (§8.2).

ECS keeps a list of deployments per service: the newest is ``PRIMARY``, older ones still with
tasks are ``ACTIVE``, finished ones ``INACTIVE``. A rolling deployment's ``rolloutState`` is
``IN_PROGRESS`` until the service reaches a steady state on it (``COMPLETED``), or ``FAILED``
when the deployment circuit breaker trips (§8.3). Every task records the deployment that started
it in ``startedBy`` (``ecs-svc/`` and 19 digits, as ECS writes it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from fargasim.ecs.rollout import CircuitBreaker
from fargasim.scenario.schema import DeploymentConfiguration


def deployment_id(prefix: str, index: int) -> str:
    """A stable ``ecs-svc/`` id: 19 decimal digits from a hash of the service and the index."""
    digest = hashlib.blake2b(f"{prefix}/deployment/{index}".encode(), digest_size=8).digest()
    return f"ecs-svc/{int.from_bytes(digest, 'big') % 10**19:019d}"


@dataclass
class Deployment:
    """One deployment of a service."""

    deployment_id: str
    task_definition: str  # family:revision
    config: DeploymentConfiguration
    created_at: float
    breaker: CircuitBreaker | None = None
    status: str = "PRIMARY"  # PRIMARY | ACTIVE | INACTIVE
    rollout_state: str = "IN_PROGRESS"  # IN_PROGRESS | COMPLETED | FAILED
    completed_at: float = float("nan")
    failed_at: float = float("nan")
    rolled_back_from: str = ""
    launched: int = 0
    failed_to_start: int = 0
    failed_health_checks: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def in_progress(self) -> bool:
        return self.rollout_state == "IN_PROGRESS"

    @property
    def failed(self) -> bool:
        return self.rollout_state == "FAILED"
