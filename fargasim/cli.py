"""The ``fargasim`` command line: ``run``, ``validate``, ``price``, ``report``.

Any :class:`~fargasim.errors.FargasimError` (a bad scenario, an unknown engine, a results folder
fargasim did not write) is printed as one line per problem, ``FILE:LINE:COL: path: message``, and
the command exits with status 2 without writing anything.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, ParamSpec

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fargasim.errors import FargasimError
from fargasim.units import format_duration

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="fargasim: simulate AWS Fargate services on Amazon ECS (placement, start-up, scaling, cost).",
)
out = Console()
err = Console(stderr=True)

EXIT_BAD_INPUT = 2
P = ParamSpec("P")


def guarded(command: Callable[P, None]) -> Callable[P, None]:
    """Run a command inside :func:`reported_errors`."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        with reported_errors():
            command(*args, **kwargs)

    return wrapper


@contextmanager
def reported_errors() -> Iterator[None]:
    """Print a :class:`FargasimError` as its one-line messages and exit 2, never a traceback."""
    try:
        yield
    except FargasimError as exc:
        for line in str(exc).splitlines() or ["error"]:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@app.command()
@guarded
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="results folder (default results/<name>)")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")] = None,
    engine: Annotated[str, typer.Option(help="vectorized (default) or exact")] = "vectorized",
    requests_csv: Annotated[
        bool,
        typer.Option(
            "--requests-csv", help="also write requests.csv, one row per request (exact engine)"
        ),
    ] = False,
) -> None:
    """Run a scenario and write its results and report."""
    from fargasim.engine import simulate
    from fargasim.scenario.loader import load_scenario

    sc = load_scenario(scenario)
    target = out_dir or Path("results") / sc.name
    started = time.perf_counter()
    with Progress(
        TextColumn("simulating {task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        job = bar.add_task(f"{sc.name} ({format_duration(sc.duration)})", total=1.0)
        result = simulate(
            sc,
            seed=seed,
            engine=engine,
            progress=lambda f: bar.update(job, completed=f),
            record_requests=requests_csv,
        )
    try:
        result.write(target)
    except OSError as exc:
        raise FargasimError(f"{target}: cannot write results: {exc.strerror or exc}") from exc
    elapsed = time.perf_counter() - started
    summary = result.summary
    table = Table(
        title=f"{sc.name} · seed {summary.seed} · {format_duration(sc.duration)} simulated in {elapsed:.1f} s"
    )
    table.add_column("service/group" if summary.run_task else "service", no_wrap=True)
    table.add_column("tasks launched", justify="right")
    table.add_column("peak running", justify="right")
    table.add_column("mean running", justify="right")
    table.add_column("p99 latency", justify="right")
    table.add_column("dropped", justify="right")
    table.add_column("cost (USD)", justify="right")
    for name, svc in summary.services.items():
        requests = svc.requests
        p99 = "—"
        dropped = "—"
        if requests is not None and requests.total > 0:
            if requests.p99_latency_ms is not None:
                p99 = f"{requests.p99_latency_ms:.0f} ms"
            dropped = f"{100.0 * requests.dropped / requests.total:.2f} %"
        if svc.slo is not None:
            p99 += " [green]SLO met[/green]" if svc.slo.met else " [red]SLO missed[/red]"
        table.add_row(
            name,
            str(svc.tasks_launched),
            str(svc.peak_running),
            f"{svc.mean_running:.2f}",
            p99,
            dropped,
            f"{summary.cost_usd.by_service[name]:.4f}",
        )
    for group, stats in summary.run_task.items():
        launched = str(stats.tasks_launched)
        if stats.tasks_failed:
            launched += f" ({stats.tasks_failed} failed)"
        table.add_row(
            group,
            launched,
            "—",
            "—",
            "—",
            "—",
            f"{summary.cost_usd.by_service.get(group, 0.0):.4f}",
        )
    out.print(table)
    out.print(f"total cost: [bold]${summary.cost_usd.total:.4f}[/bold]")
    out.print(f"results:    {target}/")
    out.print(f"report:     [bold]{target / 'report.html'}[/bold]")


@app.command()
@guarded
def validate(scenario: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Check a scenario without running it; list what is accepted but not simulated."""
    from fargasim.scenario.loader import load_scenario_with_notes

    sc, notes = load_scenario_with_notes(scenario)
    out.print(
        f"[green]ok[/green] {scenario}: scenario {sc.name!r}, {len(sc.task_definitions)} task "
        f"definition(s), {len(sc.services)} service(s), {format_duration(sc.duration)}",
        soft_wrap=True,
    )
    if notes:
        out.print(f"{len(notes)} field(s) accepted but not simulated:", soft_wrap=True)
    for note in notes:
        out.print(note.render(), markup=False, highlight=False, soft_wrap=True)


@app.command()
@guarded
def price(
    cpu: Annotated[str, typer.Option(help='task CPU: units ("1024") or "1 vCPU"')],
    memory: Annotated[str, typer.Option(help='task memory: MiB ("2048") or "2 GB"')],
    seconds: Annotated[float, typer.Option(help="run time from image pull start to stop")],
    architecture: Annotated[str, typer.Option(help="X86_64 or ARM64")] = "X86_64",
    os: Annotated[str, typer.Option("--os", help="ECS operatingSystemFamily")] = "LINUX",
    ephemeral_gib: Annotated[int, typer.Option(help="ephemeral storage in GiB")] = 20,
    capacity_provider: Annotated[str, typer.Option(help="FARGATE or FARGATE_SPOT")] = "FARGATE",
    region: Annotated[str, typer.Option(help="price table region")] = "us-east-1",
) -> None:
    """Price one task under Fargate's billing rule (per second, 1-minute minimum)."""
    from fargasim.billing import price as price_task

    quote = price_task(
        cpu,
        memory,
        seconds,
        architecture=architecture,
        os=os,
        ephemeral_gib=ephemeral_gib,
        capacity_provider=capacity_provider,
        region=region,
    )
    table = Table(
        min_width=60,
        title=f"{cpu} CPU / {memory} MiB, {capacity_provider}, {os}/{architecture}, {region}",
    )
    table.add_column("component")
    table.add_column("USD", justify="right")
    table.add_row("vCPU", f"{quote.vcpu_usd:.6f}")
    table.add_row("memory", f"{quote.memory_usd:.6f}")
    table.add_row("storage", f"{quote.storage_usd:.6f}")
    table.add_row("OS licence", f"{quote.os_license_usd:.6f}")
    table.add_row("[bold]total[/bold]", f"[bold]{quote.total_usd:.6f}[/bold]")
    out.print(table)
    out.print(f"billed seconds: {quote.billed_seconds}")


@app.command()
@guarded
def report(
    results: Annotated[Path, typer.Argument(help="a results folder written by run")],
) -> None:
    """(Re)build report.html from a results folder."""
    from fargasim.report import write_report

    path = write_report(results)
    out.print(f"report: [bold]{path}[/bold]")


def main(argv: list[str] | None = None) -> None:
    """Entry point (``fargasim``, ``python -m fargasim``). Exits 2 on bad input: a fargasim
    error (printed as located one-line messages) or a command-line usage error."""
    app(args=argv, prog_name="fargasim")


if __name__ == "__main__":
    main()
