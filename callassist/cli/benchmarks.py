"""`callassist bench`: the performance budgets, measured."""

from __future__ import annotations

from typing import Optional

import typer

from callassist.cli.root import app, fail, words


@app.command()
def bench(
    ctx: typer.Context,
    only: Optional[list[str]] = typer.Option(
        None,
        "--only",
        help="cold_start, keypress_to_prompt, event_append, template_render, classify, or (only on request: a million accounts) worklist_next_1m, import_rows, "
        "and on a PostgreSQL server of its own pg_claim_next, pg_worklist_next, pg_event_append, pg_team_keypress_p99, and idle_cpu (a supervisor's screens left open). Repeatable.",
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object {name: {median_ms, p99_ms, floor_ms, ratio}}."),
) -> None:
    """Measure start-up, keypress-to-prompt, event append and template render, each beside
    its floor; with --only, also the worklist and the import on a million-account ledger,
    and team mode on PostgreSQL."""
    try:
        from callassist.devtools import bench as benchmark
    except ImportError:  # the wheel leaves the benchmarks out
        raise fail(words("cli_bench_in_source", ctx.obj)) from None

    unknown = set(only or ()) - set(benchmark.NAMES)
    if unknown:
        raise typer.BadParameter(f"unknown {'benchmarks' if len(unknown) > 1 else 'benchmark'} {', '.join(sorted(unknown))}; choose from {', '.join(benchmark.NAMES)}", param_hint="--only")
    results = benchmark.run(only)
    typer.echo(benchmark.as_json(results) if as_json else benchmark.format_table(results))
