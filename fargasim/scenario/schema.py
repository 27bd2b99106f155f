"""The scenario schema: pydantic models of every section of a scenario file (DESIGN.md §3).

Two kinds of section live here:

* **AWS sections** (``taskDefinitions``, ``services``, ``targetGroups``, ``scalableTargets``,
  ``scalingPolicies``, ``alarms``, ``scheduledActions``) take exactly the input shape of the AWS
  API they come from. Their spelling and types are checked against AWS's own API model first
  (:mod:`fargasim.scenario.awsshapes`); the models below then type the fields fargasim simulates
  and keep every other accepted field as it was written (``extra="allow"``).
* **fargasim's own sections** (``network``, ``images``, ``workload``, ``model`` …) use camelCase
  like ECS and refuse unknown keys.

Every behavioural value that AWS does not publish is a field of :class:`ModelSpec` with its
default and the reference section it stands in for.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel

from fargasim.billing.spec import PricingSpec
from fargasim.units import parse_duration


def _duration(value: object) -> float:
    return parse_duration(value)


#: Seconds, written as a number or as "90s", "5m", "1h30m", "2d".
Duration = Annotated[
    float,
    BeforeValidator(_duration),
    PlainSerializer(lambda v: v, return_type=float),
]


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


class Own(BaseModel):
    """Base of fargasim's own sections: camelCase keys, unknown keys refused, immutable.

    ``strict``: a value must already have its field's type (numbers may be ints or floats), so
    YAML 1.1 traps the strict YAML loader keeps as text (``poisson: off``, ``seed: 012``) are
    errors here rather than being coerced to ``False`` and ``12``.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, strict=True
    )


class Aws(BaseModel):
    """Base of AWS-shaped sections: AWS spelling, fields fargasim does not simulate kept as is."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", frozen=True)


# ---------------------------------------------------------------------------------------------
# Distributions (used by the start-up model and by workloads)


class Distribution(Own):
    """A positive random quantity: ``constant`` (always ``mean``), ``exponential`` (mean),
    ``lognormal`` (mean and coefficient of variation ``cv``)."""

    distribution: Literal["constant", "exponential", "lognormal"] = "lognormal"
    mean: float = Field(ge=0)
    cv: float = Field(default=0.0, ge=0)


def _dist(mean: float, cv: float) -> Any:
    return Field(default_factory=lambda: Distribution(mean=mean, cv=cv))


# ---------------------------------------------------------------------------------------------
# Account, network, images


class AccountSpec(Own):
    """Account-level Fargate quotas and launch rates (§5, defaults from §5 and §12).

    The vCPU quotas default to a typical established account (4000 vCPU, Service Quotas
    L-3032A538 / L-36FBB829); a new account starts at 6 (§5.2). The launch token buckets are
    AWS's documented 100 tokens refilled at 20 per second, one bucket for on-demand and one for
    Spot (§5.1; 20/s is the rate "in many established regions", 5/s elsewhere per a third party,
    UNSOURCED). The per-service launch rate (500 per minute) and tasks per service (5000) are
    Service Quotas defaults (§5.1, §5.3).
    """

    fargate_on_demand_vcpu_quota: float = Field(default=4000, gt=0)
    fargate_spot_vcpu_quota: float = Field(default=4000, gt=0)
    fargate_task_launch_burst: int = Field(default=100, gt=0, description="§5.1 token bucket size")
    fargate_task_launch_rate: float = Field(default=20, gt=0, description="§5.1 refill per second")
    fargate_spot_task_launch_burst: int = Field(
        default=100, gt=0, description="§5.1 Spot token bucket size"
    )
    fargate_spot_task_launch_rate: float = Field(
        default=20, gt=0, description="§5.1 Spot refill per second"
    )
    service_task_launches_per_minute: int = Field(
        default=500, gt=0, description="§5.1 tasks a service's scheduler launches per minute"
    )
    tasks_per_service: int = Field(default=5000, gt=0, description="§5.3 Service Quotas default")


class SubnetSpec(Own):
    """A VPC subnet: each Fargate task takes one of its free IPv4 addresses (§5.4)."""

    subnet_id: str
    availability_zone: str
    free_ips: int = Field(default=250, ge=0)


class NetworkSpec(Own):
    subnets: list[SubnetSpec] = Field(default_factory=list)


class ImageSpec(Own):
    """Facts about a container image that AWS does not hold: its compressed size drives the pull
    and extraction time (§4)."""

    size_mib: float = Field(gt=0, alias="sizeMiB")


# ---------------------------------------------------------------------------------------------
# AWS sections: ECS


class PortMapping(Aws):
    containerPort: int | None = None
    protocol: str = "tcp"


class ContainerDefinition(Aws):
    name: str
    image: str
    essential: bool = True
    portMappings: list[PortMapping] = Field(default_factory=list)
    stopTimeout: int | None = None


class RuntimePlatform(Aws):
    cpuArchitecture: Literal["X86_64", "ARM64"] = "X86_64"
    operatingSystemFamily: str = "LINUX"


class EphemeralStorage(Aws):
    sizeInGiB: int


class TaskDefinitionSpec(Aws):
    """``ecs RegisterTaskDefinition`` input. Fargate rules (§2) are checked by the loader."""

    family: str
    networkMode: str | None = None
    requiresCompatibilities: list[str] = Field(default_factory=list)
    cpu: str | None = None
    memory: str | None = None
    containerDefinitions: list[ContainerDefinition]
    runtimePlatform: RuntimePlatform = Field(default_factory=RuntimePlatform)
    ephemeralStorage: EphemeralStorage | None = None


class CapacityProviderStrategyItem(Aws):
    """§7.1: ``base`` defaults to 0; ``weight`` defaults to 0 in the API (the console uses 1)."""

    capacityProvider: str
    weight: int = 0
    base: int = 0


class AwsVpcConfiguration(Aws):
    subnets: list[str]
    securityGroups: list[str] = Field(default_factory=list)
    assignPublicIp: Literal["ENABLED", "DISABLED"] = "DISABLED"


class NetworkConfiguration(Aws):
    awsvpcConfiguration: AwsVpcConfiguration | None = None


class LoadBalancerRef(Aws):
    targetGroupArn: str | None = None
    containerName: str | None = None
    containerPort: int | None = None


class DeploymentCircuitBreaker(Aws):
    """§8.3: ``enable`` turns the circuit breaker on; ``rollback`` returns to the last completed
    deployment when it trips."""

    enable: bool
    rollback: bool


class DeploymentConfiguration(Aws):
    """§8.2 defaults for a REPLICA service: maximumPercent 200, minimumHealthyPercent 100."""

    maximumPercent: int = Field(default=200, ge=0)
    minimumHealthyPercent: int = Field(default=100, ge=0)
    deploymentCircuitBreaker: DeploymentCircuitBreaker | None = None


class DeploymentConfigurationUpdate(Aws):
    """``deploymentConfiguration`` of an ``updateService`` event: a field left out keeps the
    service's current value."""

    maximumPercent: int | None = Field(default=None, ge=0)
    minimumHealthyPercent: int | None = Field(default=None, ge=0)
    deploymentCircuitBreaker: DeploymentCircuitBreaker | None = None

    def applied_to(self, current: DeploymentConfiguration) -> DeploymentConfiguration:
        return DeploymentConfiguration(
            maximumPercent=(
                current.maximumPercent if self.maximumPercent is None else self.maximumPercent
            ),
            minimumHealthyPercent=(
                current.minimumHealthyPercent
                if self.minimumHealthyPercent is None
                else self.minimumHealthyPercent
            ),
            deploymentCircuitBreaker=(
                current.deploymentCircuitBreaker
                if self.deploymentCircuitBreaker is None
                else self.deploymentCircuitBreaker
            ),
        )


class ServiceSpec(Aws):
    """``ecs CreateService`` input (§8)."""

    serviceName: str
    cluster: str = "default"
    taskDefinition: str
    desiredCount: int = Field(default=1, ge=0)
    launchType: str | None = None
    capacityProviderStrategy: list[CapacityProviderStrategyItem] = Field(default_factory=list)
    networkConfiguration: NetworkConfiguration | None = None
    loadBalancers: list[LoadBalancerRef] = Field(default_factory=list)
    deploymentConfiguration: DeploymentConfiguration = Field(
        default_factory=DeploymentConfiguration
    )
    schedulingStrategy: str = "REPLICA"
    healthCheckGracePeriodSeconds: int = Field(default=0, ge=0)

    @property
    def family(self) -> str:
        """The task definition family this service runs (``web``, ``web:3`` or an ARN)."""
        return task_definition_family(self.taskDefinition)


def task_definition_family(reference: str) -> str:
    """``web``, ``web:3`` and ``arn:aws:ecs:…:task-definition/web:3`` all name family ``web``."""
    return _family_and_revision(reference)[0]


def task_definition_revision(reference: str) -> int | None:
    """The revision a reference names (``web:3`` → 3), or ``None`` for the latest (``web``)."""
    return _family_and_revision(reference)[1]


def _family_and_revision(reference: str) -> tuple[str, int | None]:
    name = (
        reference.rsplit("task-definition/", 1)[-1] if reference.startswith("arn:") else reference
    )
    family, _, revision = name.partition(":")
    return family, int(revision) if revision.isdigit() and int(revision) > 0 else None


# ---------------------------------------------------------------------------------------------
# AWS sections: ELB, Application Auto Scaling, CloudWatch (parsed now; simulated by later issues)


class TargetGroupAttribute(Aws):
    Key: str
    Value: str


class TargetGroupSpec(Aws):
    """``elbv2 CreateTargetGroup`` input plus its ``Attributes`` (§9)."""

    Name: str
    TargetType: str = "ip"
    HealthCheckIntervalSeconds: int = 30
    HealthCheckTimeoutSeconds: int = 5
    HealthyThresholdCount: int = 5
    UnhealthyThresholdCount: int = 2
    Attributes: list[TargetGroupAttribute] = Field(default_factory=list)


class ScalableTargetSpec(Aws):
    """``application-autoscaling RegisterScalableTarget`` input (§6). Min and max capacity are
    required when a target is first registered (the loader says so)."""

    ServiceNamespace: str
    ResourceId: str
    ScalableDimension: str
    MinCapacity: int | None = Field(default=None, ge=0)
    MaxCapacity: int | None = Field(default=None, ge=0)


class MetricDimension(Aws):
    Name: str
    Value: str


class PredefinedMetricSpec(Aws):
    """§6.2: the predefined ECS metrics (and ``ALBRequestCountPerTarget`` with ResourceLabel)."""

    PredefinedMetricType: str
    ResourceLabel: str | None = None


class CustomizedMetricSpec(Aws):
    """A CloudWatch metric for target tracking: one metric, not metric math (``Metrics``)."""

    MetricName: str | None = None
    Namespace: str | None = None
    Dimensions: list[MetricDimension] = Field(default_factory=list)
    Statistic: str | None = None
    Unit: str | None = None


class TargetTrackingConfiguration(Aws):
    """``TargetTrackingScalingPolicyConfiguration`` (§6.2). Cooldowns default to 300 s for ECS."""

    TargetValue: float
    PredefinedMetricSpecification: PredefinedMetricSpec | None = None
    CustomizedMetricSpecification: CustomizedMetricSpec | None = None
    ScaleOutCooldown: int = Field(default=300, ge=0)
    ScaleInCooldown: int = Field(default=300, ge=0)
    DisableScaleIn: bool = False


class StepAdjustmentSpec(Aws):
    MetricIntervalLowerBound: float | None = None
    MetricIntervalUpperBound: float | None = None
    ScalingAdjustment: int


class StepScalingConfiguration(Aws):
    """``StepScalingPolicyConfiguration`` (§6.3)."""

    AdjustmentType: str | None = None
    StepAdjustments: list[StepAdjustmentSpec] = Field(default_factory=list)
    MinAdjustmentMagnitude: int | None = None
    Cooldown: int | None = Field(default=None, ge=0)
    MetricAggregationType: str = "Average"


class ScalingPolicySpec(Aws):
    """``application-autoscaling PutScalingPolicy`` input (§6.2, §6.3)."""

    PolicyName: str
    ServiceNamespace: str
    ResourceId: str
    ScalableDimension: str
    PolicyType: str | None = None
    TargetTrackingScalingPolicyConfiguration: TargetTrackingConfiguration | None = None
    StepScalingPolicyConfiguration: StepScalingConfiguration | None = None


class ScalableTargetActionSpec(Aws):
    MinCapacity: int | None = Field(default=None, ge=0)
    MaxCapacity: int | None = Field(default=None, ge=0)


class ScheduledActionSpec(Aws):
    """``application-autoscaling PutScheduledAction`` input (§6.4). Times are ISO 8601 text."""

    ScheduledActionName: str
    ServiceNamespace: str
    ResourceId: str
    ScalableDimension: str
    Schedule: str | None = None
    Timezone: str | None = None
    StartTime: str | None = None
    EndTime: str | None = None
    ScalableTargetAction: ScalableTargetActionSpec | None = None


class AlarmSpec(Aws):
    """``cloudwatch PutMetricAlarm`` input (the single-metric form; metric math is refused)."""

    AlarmName: str
    MetricName: str | None = None
    Namespace: str | None = None
    Dimensions: list[MetricDimension] = Field(default_factory=list)
    Statistic: str | None = None
    ExtendedStatistic: str | None = None
    Period: int | None = None
    EvaluationPeriods: int
    DatapointsToAlarm: int | None = None
    Threshold: float | None = None
    ComparisonOperator: str
    TreatMissingData: str = "missing"
    ActionsEnabled: bool = True
    AlarmActions: list[str] = Field(default_factory=list)
    OKActions: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Workload (fargasim's own)


class ConstantArrivals(Own):
    """Requests arrive evenly spaced at ``rps`` per second."""

    pattern: Literal["constant"]
    rps: float = Field(ge=0)


class PoissonArrivals(Own):
    """A Poisson process of rate ``rps``."""

    pattern: Literal["poisson"]
    rps: float = Field(ge=0)


class RatePoint(Own):
    at: Duration
    rps: float = Field(ge=0)


class PiecewiseArrivals(Own):
    """A rate that holds each point's ``rps`` from its ``at`` until the next point (Poisson
    arrivals at that rate unless ``poisson: false``)."""

    pattern: Literal["piecewise"]
    points: list[RatePoint] = Field(min_length=1)
    poisson: bool = True


class DiurnalArrivals(Own):
    """A daily cycle: ``rate(t) = meanRps · (1 + a·cos(2π(t − peakAt)/period))`` with
    ``a = (peakToTrough − 1)/(peakToTrough + 1)``, so the peak is ``peakToTrough`` times the
    trough and the mean over a period is ``meanRps``. Poisson arrivals unless ``poisson: false``."""

    pattern: Literal["diurnal"]
    mean_rps: float = Field(ge=0)
    peak_to_trough: float = Field(default=2.0, ge=1)
    peak_at: Duration = 14 * 3600.0
    period: PositiveDuration = 86400.0
    poisson: bool = True


class RampArrivals(Own):
    """A linear ramp: ``fromRps`` until ``start``, rising (or falling) in a straight line to
    ``toRps`` at ``end``, ``toRps`` from then on (``end`` equal to ``start``: a step). Poisson
    arrivals unless ``poisson: false``."""

    pattern: Literal["ramp"]
    from_rps: float = Field(ge=0, allow_inf_nan=False)
    to_rps: float = Field(ge=0, allow_inf_nan=False)
    start: Duration
    end: Duration
    poisson: bool = True


class SpikeArrivals(Own):
    """A flash crowd on a steady base. With ``b = baseRps``, ``p = peakRps``, ``a = at``,
    ``r = riseSeconds``, ``d = decaySeconds``::

        λ(t) = b                                  t < a
               b + (p − b)·(t − a)/r              a ≤ t < a + r     (linear rise; r = 0: a jump)
               b + (p − b)·exp(−(t − a − r)/d)    t ≥ a + r         (exponential decay)

    The peak is at ``a + r``; ``d`` after it the excess over the base is down to 1/e (37 %),
    ``ln(100)·d ≈ 4.6·d`` after it to 1 %. The spike brings ``(p − b)·(r/2 + d)`` requests on top
    of the base. A ``peakRps`` below ``baseRps`` is a dip. Poisson arrivals unless
    ``poisson: false``."""

    pattern: Literal["spike"]
    base_rps: float = Field(ge=0, allow_inf_nan=False)
    peak_rps: float = Field(ge=0, allow_inf_nan=False)
    at: Duration
    rise_seconds: Duration = 0.0
    decay_seconds: PositiveDuration
    poisson: bool = True


class TracePoint(Own):
    """One value of a trace: the requests counted in the period that starts at ``at``."""

    at: Duration
    value: float = Field(ge=0, allow_inf_nan=False)


class TraceArrivals(Own):
    """A recorded request count replayed: ``points`` (or a CSV ``file`` the loader reads into
    ``points``), each the number of requests in the period of ``valuesPer`` (a ``minute``, as a
    CloudWatch ``RequestCount`` Sum per 60 s period, or a ``second``) that starts at its ``at``,
    multiplied by ``scale``. A time with no point (a gap between periods, before the first, after
    the last period's end) has no requests: CloudWatch reports no ``RequestCount`` datapoint when
    no request flows.

    The CSV has columns ``Timestamp,Value`` (ISO 8601 times, as exported from CloudWatch; t = 0
    is the earliest) or ``at,value`` (durations since t = 0); rows may come in any order.

    ``interpolation: step`` holds ``scale·value/period`` over each period. ``linear`` (default)
    is a continuous piecewise-linear rate with knots at each period's ends and midpoint (a gap
    counts as a period of rate 0): at the boundary between two periods the mean of their two
    rates (but at most twice the smaller, so the rate never goes negative), at the midpoint the
    value that makes the period hold exactly ``scale·value`` requests; the first and the last
    period are straight lines through their midpoint value. A steady or steadily changing trace
    thus gives the straight line through ``scale·value/period`` at the period midpoints; a
    sharp change bends the periods beside it (all of a period's requests stay in it). Poisson
    arrivals unless ``poisson: false``."""

    pattern: Literal["trace"]
    file: str | None = None
    points: list[TracePoint] | None = None
    values_per: Literal["minute", "second"] = "minute"
    scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    interpolation: Literal["linear", "step"] = "linear"
    poisson: bool = True


AnyArrivals = (
    ConstantArrivals
    | PoissonArrivals
    | PiecewiseArrivals
    | DiurnalArrivals
    | RampArrivals
    | SpikeArrivals
    | TraceArrivals
)
#: A workload's arrival pattern, chosen by its ``pattern`` key.
Arrivals = Annotated[AnyArrivals, Field(discriminator="pattern")]


class RequestSpec(Own):
    """What one request costs a task: ``waitSeconds`` off-CPU (I/O: a database, another
    service), then ``cpuSeconds`` of CPU (one request uses at most one vCPU), and the memory it
    holds while in the task. ``timeoutSeconds``: a request still waiting for a worker slot after
    that long is dropped."""

    cpu_seconds: Distribution
    wait_seconds: Distribution | None = None
    memory_mib: float = Field(default=0.0, ge=0, alias="memoryMiB")
    timeout_seconds: float | None = Field(default=None, gt=0)


class SloSpec(Own):
    """A service level objective the summary checks: p99 latency and the share of dropped
    requests."""

    p99_latency_ms: float | None = Field(default=None, gt=0, alias="p99LatencyMs")
    max_drop_rate: float | None = Field(default=None, ge=0, le=1)


class WorkloadSpec(Own):
    """The traffic one service sees (first cut: a fluid model of CPU work; the request-level
    model with latency arrives later)."""

    service: str
    arrivals: Arrivals
    request: RequestSpec
    workers_per_task: int | None = Field(
        default=None, gt=0, description="concurrent requests a task serves; default: unlimited"
    )
    queue_limit: int | None = Field(
        default=None,
        ge=0,
        description="requests a task holds waiting for a worker; beyond it they are dropped",
    )
    slo: SloSpec | None = None
    base_memory_mib: float | None = Field(
        default=None,
        ge=0,
        alias="baseMemoryMiB",
        description="memory a task uses with no request in flight; default: 25% of the task's",
    )


# ---------------------------------------------------------------------------------------------
# Custom metrics and the events timeline


class MetricPoint(Own):
    at: Duration
    value: float


class CustomMetricSpec(BaseModel):
    """A user metric series, CloudWatch-named (``MetricName``, ``Namespace``, ``Dimensions``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    MetricName: str
    Namespace: str
    Dimensions: list[dict[str, str]] = Field(default_factory=list)
    series: list[MetricPoint] | None = None
    file: str | None = None


class UpdateServiceEvent(Aws):
    """An ``ecs UpdateService`` call at a point in time: AWS's input shape (§8.2). A new
    ``taskDefinition`` or ``forceNewDeployment: true`` starts a rolling deployment; a
    ``desiredCount`` alone does not."""

    service: str
    cluster: str | None = None
    desiredCount: int | None = Field(default=None, ge=0)
    taskDefinition: str | None = None
    deploymentConfiguration: DeploymentConfigurationUpdate | None = None
    forceNewDeployment: bool = False
    healthCheckGracePeriodSeconds: int | None = Field(default=None, ge=0)


class RunTaskEvent(Aws):
    """An ``ecs RunTask`` call (§5.1): ``count`` standalone tasks (at most 10 per call) of
    ``taskDefinition``, placed in the subnets of ``networkConfiguration``. Their essential
    container exits ``runSeconds`` (beside ``runTask`` in the event) after RUNNING."""

    taskDefinition: str
    cluster: str | None = None
    count: int = Field(default=1, ge=1)
    capacityProviderStrategy: list[CapacityProviderStrategyItem] = Field(default_factory=list)
    launchType: str | None = None
    networkConfiguration: NetworkConfiguration | None = None
    group: str | None = None
    startedBy: str | None = None

    @property
    def group_name(self) -> str:
        """ECS's default group is ``family:<family>``."""
        return self.group or f"family:{task_definition_family(self.taskDefinition)}"


def _fraction(value: float) -> float:
    if not 0 < value <= 1:
        raise ValueError("must be above 0 and at most 1")
    return value


Fraction = Annotated[float, AfterValidator(_fraction)]


class TaskSelection(Own):
    """Which tasks an event hits: those of ``service`` (all services if omitted) in
    ``availabilityZone`` (all if omitted); ``count`` of them or a ``fraction`` (default: all),
    chosen at random from the event's own random stream."""

    service: str | None = None
    availability_zone: str | None = None
    count: int | None = Field(default=None, gt=0)
    fraction: Fraction | None = None


class AzOutageEvent(Own):
    """An Availability Zone fails: its tasks stop and nothing launches there for ``duration``."""

    availability_zone: str
    duration: PositiveDuration


class SpotInterruptionEvent(TaskSelection):
    """Fargate Spot reclaims running Spot tasks: the two-minute warning, SIGTERM, then the task
    stops (§7.3)."""


class SpotCapacityEvent(Own):
    """No Fargate Spot capacity in ``availabilityZone`` (every AZ if omitted) for ``duration``:
    Spot tasks cannot launch there (§7.3)."""

    availability_zone: str | None = None
    duration: PositiveDuration


class ImagePullFailureEvent(Own):
    """Every image pull of ``service`` (all services if omitted) fails for ``duration``
    (``CannotPullContainerError``): the tasks stop before RUNNING (§8.4)."""

    service: str | None = None
    duration: PositiveDuration


class HealthCheckFailureEvent(TaskSelection):
    """The selected tasks fail their load balancer health checks for ``duration`` (§9)."""

    duration: PositiveDuration


class ContainerExitEvent(TaskSelection):
    """The essential container of the selected RUNNING tasks exits (stop code
    ``EssentialContainerExited``, §3.2)."""


class StopTaskEvent(TaskSelection):
    """``ecs StopTask`` on the selected tasks (stop code ``UserInitiated``, §3.2)."""

    reason: str = "Task stopped by user"


#: The actions an ``events:`` entry can take, by their key in the file.
EVENT_ACTIONS = (
    "updateService",
    "azOutage",
    "spotInterruption",
    "spotCapacityUnavailable",
    "imagePullFailure",
    "healthCheckFailure",
    "containerExit",
    "stopTask",
    "runTask",
)


class TimelineEvent(Own):
    """One entry of ``events:``: a time and exactly one action (:data:`EVENT_ACTIONS`)."""

    at: Duration
    update_service: UpdateServiceEvent | None = None
    run_task: RunTaskEvent | None = None
    run_seconds: Distribution | None = Field(
        default=None, description="with runTask: how long each task runs once RUNNING"
    )
    az_outage: AzOutageEvent | None = None
    spot_interruption: SpotInterruptionEvent | None = None
    spot_capacity_unavailable: SpotCapacityEvent | None = None
    image_pull_failure: ImagePullFailureEvent | None = None
    health_check_failure: HealthCheckFailureEvent | None = None
    container_exit: ContainerExitEvent | None = None
    stop_task: StopTaskEvent | None = None

    @property
    def actions(self) -> list[tuple[str, BaseModel]]:
        """``(key, action)`` for every action set (a valid event has exactly one)."""
        found: list[tuple[str, BaseModel]] = []
        for key in EVENT_ACTIONS:
            value = getattr(self, _snake(key))
            if value is not None:
                found.append((key, value))
        return found


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


class BatchSpec(Own):
    """Batch jobs (fargasim's own ``batch:`` entry): at ``at``, and then every ``every`` while
    before ``until`` (default: the end of the run), ``count`` standalone tasks of
    ``taskDefinition`` are submitted with ECS RunTask: ``ceil(count/10)`` calls at that instant
    (§5.1: at most 10 tasks per call), in ``subnets``, on ``capacityProviderStrategy`` (default
    FARGATE), in RunTask ``group`` (default ``family:<family>``). Each task's essential container
    exits ``runSeconds`` after RUNNING; no load balancer."""

    at: Duration
    every: Duration | None = None
    until: Duration | None = None
    task_definition: str
    count: int = Field(ge=1)
    run_seconds: Distribution
    capacity_provider_strategy: list[CapacityProviderStrategyItem] = Field(default_factory=list)
    subnets: list[str] = Field(min_length=1)
    group: str | None = Field(default=None, min_length=1)

    @property
    def group_name(self) -> str:
        """ECS's default group is ``family:<family>``."""
        return self.group or f"family:{task_definition_family(self.task_definition)}"

    def submission_times(self, end: float) -> Iterator[float]:
        """When the entry submits: ``at + k·every`` for k = 0, 1, … while before ``until`` (if
        given) and before ``end`` (the run's duration: the run stops at it)."""
        stop = end if self.until is None else min(end, self.until)
        if self.at >= stop:
            return
        if self.every is None or self.every <= 0:
            yield self.at
            return
        for k in range(math.ceil((stop - self.at) / self.every - 1e-9)):
            yield self.at + k * self.every


# ---------------------------------------------------------------------------------------------
# Behavioural parameters AWS does not publish (§12)


class ServiceStartupOverride(Own):
    app_start_seconds: Distribution


class StartupSpec(Own):
    """Task start-up latency (§4; an **assumption**, not an AWS formula)::

        PROVISIONING  provisioningSeconds                       (compute + ENI attach)
        PENDING       pendingSeconds                            (agent hand-off)
        ACTIVATING    pullOverheadSeconds + size/pullBandwidth  (no image cache on Fargate, §4)
                      + size/(extractMiBpsPerVcpu · vCPU)       (more vCPU extracts faster, §4)
                      + containerStartSeconds
        RUNNING       + appStartSeconds before the task serves traffic

    Mean times from launch to serving traffic with the defaults: a 70 MiB image about 31 s on
    0.5 vCPU and 36 s on 0.25 vCPU; the 100 MiB default image about 41 s on 0.25 vCPU — inside
    the "30-45 seconds" AWS quotes for a new Linux task to start (§4). RUNNING comes
    ``appStartSeconds`` (5 s) earlier.
    """

    provisioning_seconds: Distribution = _dist(14.0, 0.3)
    pending_seconds: Distribution = _dist(2.0, 0.3)
    pull_overhead_seconds: Distribution = _dist(2.0, 0.3)
    pull_bandwidth_mibps: float = Field(default=40.0, gt=0, alias="pullBandwidthMiBps")
    extract_mibps_per_vcpu: float = Field(default=30.0, gt=0, alias="extractMiBpsPerVcpu")
    extract_max_vcpu: float = Field(default=4.0, gt=0)
    container_start_seconds: Distribution = _dist(2.0, 0.3)
    app_start_seconds: Distribution = _dist(5.0, 0.3)
    default_image_size_mib: float = Field(default=100.0, gt=0, alias="defaultImageSizeMiB")
    services: dict[str, ServiceStartupOverride] = Field(default_factory=dict)


class ShutdownSpec(Own):
    """Task stop (§3.1, §3.2): DEACTIVATING, then SIGTERM; the app exits after ``appExitSeconds``
    or is killed at ``stopTimeout``; then DEPROVISIONING detaches the ENI."""

    deactivating_seconds: Distribution = _dist(1.0, 0.3)
    app_exit_seconds: Distribution = _dist(1.0, 0.5)
    deprovisioning_seconds: Distribution = _dist(5.0, 0.3)


class SchedulerSpec(Own):
    """The ECS service scheduler: its reaction time to a change (not published, §8) and the
    throttle of tasks that fail to start (§8.4: "the time between subsequent restart attempts is
    incrementally increased up to a maximum of 15 minutes"; the curve is UNSOURCED, §12): after
    ``n`` tasks in a row failed to reach RUNNING the next launch waits
    ``min(throttleMaxSeconds, throttleBaseSeconds · throttleFactor^(n−1))``."""

    reaction_seconds: float = Field(default=1.0, ge=0)
    throttle_base_seconds: float = Field(default=10.0, ge=0)
    throttle_factor: float = Field(default=2.0, ge=1)
    throttle_max_seconds: float = Field(default=900.0, ge=0, description="§8.4: 15 minutes")


class SpotModelSpec(Own):
    """Fargate Spot interruptions (§7.3): AWS publishes no frequency (UNSOURCED, §12). Each Spot
    task is reclaimed after an exponential time with rate ``interruptionsPerTaskHour`` (per AZ
    in ``availabilityZones``, which overrides it), counted from its launch."""

    interruptions_per_task_hour: float = Field(default=0.0, ge=0)
    availability_zones: dict[str, float] = Field(default_factory=dict)
    stop_code: Literal["TerminationNotice", "SpotInterruption"] = Field(
        default="TerminationNotice",
        description=(
            "stop code of an interrupted task: AWS's example event says TerminationNotice "
            "(§3.2); the TaskStopCode list also has SpotInterruption"
        ),
    )

    def rate(self, availability_zone: str) -> float:
        """Interruptions per task-hour in ``availability_zone``."""
        return self.availability_zones.get(availability_zone, self.interruptions_per_task_hour)


class FaultsSpec(Own):
    """Random faults (rates; scripted faults are ``events:``). None are published by AWS."""

    image_pull_failure_probability: float = Field(
        default=0.0, ge=0, le=1, description="chance that a task's image pull fails"
    )
    image_pull_failure_seconds: Distribution = Field(
        default_factory=lambda: Distribution(mean=30.0, cv=0.3),
        description="from pull start until the failed pull stops the task",
    )
    container_exits_per_task_hour: float = Field(
        default=0.0, ge=0, description="essential container crashes per RUNNING task-hour"
    )


class LoadBalancerModelSpec(Own):
    """How long DEACTIVATING lasts for a task behind a load balancer (§9). ``fullDelay``: the
    whole ``deregistration_delay.timeout_seconds`` (ECS waits for the target to be UNUSED and
    clients keep connections alive); ``inFlight``: only until in-flight requests finish (the
    ``model.shutdown.deactivatingSeconds`` draw; "If a deregistering target has no in-flight
    requests and no active connections, Elastic Load Balancing immediately completes the
    deregistration process")."""

    drain: Literal["fullDelay", "inFlight"] = "fullDelay"


class DeploymentModelSpec(Own):
    """Rolling deployments (§8.3): the circuit breaker's minimum failure threshold (3 in the
    current API reference; 10 in the 2023 guide)."""

    circuit_breaker_minimum_threshold: int = Field(default=3, ge=1)


class CloudWatchModelSpec(Own):
    """CloudWatch timing AWS does not publish (§11, §12)."""

    publish_delay_seconds: float = Field(
        default=60.0,
        ge=0,
        description="from a period's end until its datapoint is visible to alarms (§11 UNSOURCED)",
    )
    custom_metric_interval_seconds: PositiveDuration = Field(
        default=10.0, description="how often a customMetrics series is sampled within a period"
    )


class AutoScalingModelSpec(Own):
    """Application Auto Scaling values AWS does not publish (§6.2, §6.4, §12)."""

    scale_in_threshold_ratio: float = Field(
        default=0.9, gt=0, le=1, description="AlarmLow threshold / target (§6.2 UNSOURCED)"
    )
    high_datapoints: int = Field(default=3, ge=1, description="AlarmHigh, 60 s metrics (§6.2)")
    low_datapoints: int = Field(default=15, ge=1, description="AlarmLow, 60 s metrics (§6.2)")
    high_resolution_high_datapoints: int = Field(
        default=3, ge=1, description="AlarmHigh, 20 s metrics (§6.2 UNSOURCED)"
    )
    high_resolution_low_datapoints: int = Field(
        default=45, ge=1, description="AlarmLow, 20 s metrics (§6.2 UNSOURCED)"
    )
    scheduled_action_delay_seconds: float = Field(
        default=5.0, ge=0, description='§6.4 "might be a few seconds"'
    )
    scale_out_base_in_cooldown: Literal["runningCount", "capacityBeforeScaleOut"] = Field(
        default="runningCount",
        description=(
            "what a target tracking scale-out during its cooldown multiplies the metric by: "
            "the RUNNING count (§6.1's starting point; a datapoint measured before the last "
            "scale-out can then compound) or the capacity before that scale-out"
        ),
    )
    step_cooldown_seconds: float = Field(
        default=300.0, ge=0, description="step policy Cooldown when the policy omits it"
    )


class ModelSpec(Own):
    """Every behavioural parameter AWS does not publish, with its default (§12)."""

    cloudwatch: CloudWatchModelSpec = Field(default_factory=CloudWatchModelSpec)
    autoscaling: AutoScalingModelSpec = Field(default_factory=AutoScalingModelSpec)
    startup: StartupSpec = Field(default_factory=StartupSpec)
    shutdown: ShutdownSpec = Field(default_factory=ShutdownSpec)
    scheduler: SchedulerSpec = Field(default_factory=SchedulerSpec)
    spot: SpotModelSpec = Field(default_factory=SpotModelSpec)
    faults: FaultsSpec = Field(default_factory=FaultsSpec)
    load_balancer: LoadBalancerModelSpec = Field(default_factory=LoadBalancerModelSpec)
    deployments: DeploymentModelSpec = Field(default_factory=DeploymentModelSpec)
    tick: PositiveDuration = Field(default=1.0, description="data-plane time step")
    idle_cpu_percent: float = Field(default=0.0, ge=0, le=100)
    allow_32_vcpu: bool = Field(default=False, alias="allow32Vcpu", description="§2.1 2026 row")


class OutputSpec(Own):
    sample_interval: PositiveDuration = 10.0


# ---------------------------------------------------------------------------------------------


class Scenario(Own):
    """A whole scenario file, validated (DESIGN.md §3)."""

    fargasim: Literal[1]
    name: str = Field(min_length=1)
    duration: PositiveDuration
    seed: int = 0
    start_time: str = Field(
        default="2026-01-05T00:00:00Z",
        description="wall-clock time of t = 0 (ISO 8601), for scheduled actions",
    )
    region: str = "us-east-1"
    account: AccountSpec = Field(default_factory=AccountSpec)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    images: dict[str, ImageSpec] = Field(default_factory=dict)
    task_definitions: list[TaskDefinitionSpec] = Field(min_length=1)
    services: list[ServiceSpec] = Field(default_factory=list)
    target_groups: list[TargetGroupSpec] = Field(default_factory=list)
    scalable_targets: list[ScalableTargetSpec] = Field(default_factory=list)
    scaling_policies: list[ScalingPolicySpec] = Field(default_factory=list)
    alarms: list[AlarmSpec] = Field(default_factory=list)
    scheduled_actions: list[ScheduledActionSpec] = Field(default_factory=list)
    workload: list[WorkloadSpec] = Field(default_factory=list)
    custom_metrics: list[CustomMetricSpec] = Field(default_factory=list)
    events: list[TimelineEvent] = Field(default_factory=list)
    batch: list[BatchSpec] = Field(default_factory=list)
    model: ModelSpec = Field(default_factory=ModelSpec)
    pricing: PricingSpec = Field(default_factory=PricingSpec)
    output: OutputSpec = Field(default_factory=OutputSpec)

    def task_definition(self, reference: str) -> TaskDefinitionSpec:
        """The task definition a reference names: ``web:2`` is the second of family ``web`` in
        ``taskDefinitions`` (revisions count from 1 in file order, as RegisterTaskDefinition
        numbers them); ``web`` is the latest. A family listed once answers to any revision, so a
        pasted ``web:7`` names the one definition the file holds."""
        family, revision = _family_and_revision(reference)
        found = [td for td in self.task_definitions if td.family == family]
        if len(found) == 1:
            return found[0]
        if not found or (revision is not None and revision > len(found)):
            raise KeyError(reference)
        return found[-1] if revision is None else found[revision - 1]

    def task_definition_arn_name(self, reference: str) -> str:
        """``family:revision`` of the task definition a reference names."""
        family, revision = _family_and_revision(reference)
        count = sum(1 for td in self.task_definitions if td.family == family)
        return f"{family}:{count if revision is None else revision}"

    def service(self, name: str) -> ServiceSpec:
        for svc in self.services:
            if svc.serviceName == name:
                return svc
        raise KeyError(name)

    def subnet(self, subnet_id: str) -> SubnetSpec:
        for subnet in self.network.subnets:
            if subnet.subnet_id == subnet_id:
                return subnet
        raise KeyError(subnet_id)
