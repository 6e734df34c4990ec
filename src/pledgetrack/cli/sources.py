"""`pledgetrack sources`: check that every cited source URL still answers."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from pledgetrack.cli.app import app
from pledgetrack.cli.filters import Selection, filter_options
from pledgetrack.cli.options import ColorOption, DirOption, NoCacheOption, choice, format_option
from pledgetrack.cli.output import output_option

FAIL_ON = ("any", "dead", "none")


@app.command()
@filter_options
def sources(
    selection: Selection,
    ids: Annotated[list[str] | None, typer.Option(
        "--id", "-i", metavar="ID", help="Only this pledge's sources (repeatable).",
        show_default=False)] = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="DATE", show_default=False,
        help="Only the sources of updates dated, or recorded, on or after the start of DATE "
        "(the pledges' own sources are left out).")] = None,
    fmt: Annotated[str, format_option(
        "sources", "auto", help_text="Output format; auto is github when GITHUB_ACTIONS=true, "
        "else table.")] = "auto",
    timeout: Annotated[float, typer.Option(
        "--timeout", metavar="SECONDS", min=0.1,
        help="Give up on a server that has not connected or answered within SECONDS.")] = 10.0,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", metavar="N", min=1, max=64,
        help="Check up to N links at a time in all.")] = 8,
    per_host: Annotated[int, typer.Option(
        "--per-host", metavar="N", min=1, max=16,
        help="Send up to N requests at a time to one host.")] = 2,
    retries: Annotated[int, typer.Option(
        "--retries", metavar="N", min=0, max=10,
        help="Ask again up to N times after 429 or 503 (waiting as Retry-After asks, up to "
        "60 s, else 1 s, 2 s, 4 s …).")] = 2,
    max_age: Annotated[str, typer.Option(
        "--max-age", metavar="AGE",
        help="Reuse a working link's result from an earlier run younger than AGE (30m, 12h, "
        "7d, 2w); 0 checks every link. Failing links are always checked again.")] = "7d",
    fail_on: Annotated[str, choice(
        "fail-on", FAIL_ON, "Exit 1 when a link fails (dead, error or timeout: any), only "
        "when one is dead, or never.")] = "any",
    summary: Annotated[str | None, typer.Option(
        "--summary", metavar="FILE", show_default=False,
        help="Also append the Markdown report to FILE (such as $GITHUB_STEP_SUMMARY).")] = None,
    output: Annotated[str | None, output_option("sources")] = None,
    dir: DirOption = None,
    no_cache: NoCacheOption = False,
    color: ColorOption = "auto",
) -> int:
    """Check every source URL cited by the pledges and their updates, each URL once.

    Each link is ok, moved (a permanent redirect: cite the new URL), dead (404, 410), error
    (another 4xx or 5xx, TLS, DNS, refused or reset connection) or timeout. Results are kept
    in the user cache folder; working links younger than --max-age are not asked again.
    Exit 0 when no link fails, 1 when one does (see --fail-on), 2 for a usage error.
    """
    from pledgetrack.cli.check import github_prefix, resolve_format
    from pledgetrack.cli.data import load
    from pledgetrack.cli.output import target
    from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK, PledgetrackError
    from pledgetrack.model.dates import parse_date
    from pledgetrack.queries.selection import select
    from pledgetrack.render import registry
    from pledgetrack.render.console import is_terminal
    from pledgetrack.sources import kept
    from pledgetrack.sources.probe import ProbeSettings
    from pledgetrack.sources.run import check_sources
    from pledgetrack.store.workspace import Workspace

    if fmt == "auto" and output is None:
        fmt = resolve_format(fmt)
        fmt = "table" if fmt == "text" else fmt
    out = target("sources", fmt, output, color, terminal_format="table", pipe_format="table")
    age = kept.parse_max_age(max_age)
    since_date = parse_date(since, "--since") if since else None
    dataset = load(Workspace(dir, cache=not no_cache), out, color=color,
                   filter=selection.filter)
    pledges = select(dataset, selection.filter, selection.as_of)
    if ids:
        known = {p.id for p in dataset.pledges}
        for pledge_id in ids:
            if pledge_id not in known:
                raise PledgetrackError(f"no pledge with id '{pledge_id}'")
        wanted = set(ids)
        pledges = [p for p in pledges if p.id in wanted]
    settings = ProbeSettings(timeout=timeout, jobs=jobs, per_host=per_host, retries=retries)
    bar = _Bar(color) if is_terminal(sys.stderr) else None

    def keep_error(exc: OSError) -> None:
        out.warn(f"cannot keep the results in the cache folder: {exc.strerror or exc}")

    try:
        report = check_sources(pledges, since=since_date, settings=settings, max_age=age,
                               progress=bar, on_keep_error=keep_error)
    finally:
        if bar is not None:
            bar.close()
    prefix = github_prefix(dataset.root) if out.format == "github" else ""
    out.data(registry.get("sources", out.format)(report, color=out.color, width=out.width,
                                                 prefix=prefix))
    if summary:
        _append(summary, registry.get("sources", "markdown")(report))
    if out.format != "table" or out.path is not None:
        out.say(report.summary() + "\n")
    return EXIT_FINDINGS if report.failing(fail_on) else EXIT_OK


def _append(path: str, text: str) -> None:
    from pledgetrack.errors import PledgetrackError

    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise PledgetrackError(f"cannot write {path}: {exc.strerror or exc}") from None


class _Bar:
    """A progress bar on stderr (a terminal only): links checked out of those due. Shown from
    the first report of progress: a run answered from the kept results shows none."""

    def __init__(self, color: str) -> None:
        self.color = color
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            from pledgetrack.render.console import make_console

            self.bar = Progress(
                TextColumn("checking links"), BarColumn(), MofNCompleteColumn(),
                console=make_console(self.color, stderr=True), transient=True,
            )
            self.task = self.bar.add_task("links", total=total)
            self.bar.start()
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()

