"""Terminal output shared by command plugins: aligned tables by default, `--output json` on request."""
from __future__ import annotations

import json
from typing import Any, Callable, Sequence

import click


def output_option(default: str = "table") -> Callable:
    return click.option("--output", "-o", "output", type=click.Choice(["table", "json"]), default=default,
                        show_default=True, help="Print a table for people or JSON for scripts.")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns separated by two spaces, each as wide as max(longest cell, header + 2, 4) (MLflow's layout)."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max([len(h) + 2, 4] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def emit(output: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], records: list[dict]) -> None:
    """Print `rows` as a table, or `records` as a JSON list."""
    if output == "json":
        click.echo(json.dumps(records, indent=2, default=str))
    else:
        click.echo(table(headers, rows))
