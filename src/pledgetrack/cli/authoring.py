"""Authoring commands: `add` a pledge, `update` its follow-through, `edit` it by hand."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pledgetrack.cli import complete
from pledgetrack.cli.app import PledgetrackCommand, app
from pledgetrack.cli.inputs import ask, confirm, interactive, one_line, url
from pledgetrack.cli.options import DirOption, PledgeIdArgument
from pledgetrack.cli.output import PLAIN as out
from pledgetrack.cli.output import single_line
from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK, PledgetrackError, all_errors
from pledgetrack.model.dates import parse_date, today

if TYPE_CHECKING:
    from pledgetrack.model.config import Config
    from pledgetrack.model.dates import PartialDate
    from pledgetrack.model.records import Source

DATE_HELP = "2025-10-26, 2025-10, 2025-Q4, 2025, 26 Oct 2025, Oct 2025, Q4 2025, today, yesterday"


def _sources(urls: list[str], title: str | None, publisher: str | None,
             archived: str | None = None, published: str | None = None) -> tuple[Source, ...]:
    """Sources from --source URLs; --source-title, --publisher, --archived and --published
    describe the first one."""
    from pledgetrack.model.records import Source

    sources = [Source(url(u)) for u in urls]
    given = [name for name, value in (("--source-title", title), ("--publisher", publisher),
                                      ("--archived", archived), ("--published", published))
             if value is not None]
    if given and not sources:
        raise PledgetrackError(f"{', '.join(given)} describe{'s' if len(given) == 1 else ''} "
                               "the first --source; give one")
    if sources:
        first = sources[0]
        sources[0] = Source(
            first.url,
            title=one_line(title, "--source-title") if title else None,
            publisher=one_line(publisher, "--publisher") if publisher else None,
            published=parse_date(published, "--published") if published is not None else None,
            archived=url(archived, "--archived") if archived is not None else None,
        )
    return tuple(sources)


ArchivedOption = Annotated[str | None, typer.Option(
    "--archived", metavar="URL", show_default=False,
    help="An archived copy of the first --source (a web archive's snapshot URL).")]
PublishedOption = Annotated[str | None, typer.Option(
    "--published", metavar="DATE", show_default=False,
    help=f"When the first --source was published: {DATE_HELP}.")]


# -- add -------------------------------------------------------------------------------------------

def _prompt_list(label: str) -> list[str]:
    answer = ask(f"{label} (comma-separated)")
    return [part.strip() for part in answer.split(",") if part.strip()]


def _prompt_date(label: str) -> PartialDate:
    while True:
        answer = ask(f"{label} ({DATE_HELP})")
        try:
            return parse_date(answer, label)
        except PledgetrackError as exc:
            out.say(f"{exc.message}\n")


def _as_named(value: str, names: list[str]) -> str:
    """``value`` spelled as the configuration spells it when they differ only in case (people
    type `Delivered` or `AI`, as they type actors)."""
    folded = {n.casefold(): n for n in names}
    return value if value in names else folded.get(value.casefold(), value)


def _check_domains(domains: list[str], config: Config) -> None:
    from pledgetrack.model.suggest import did_you_mean

    for name in domains:
        if not config.domain_allowed(name):
            hint = did_you_mean(name, list(config.domains))
            raise PledgetrackError(
                f"unknown domain '{name}'{hint}; allowed (pledgetrack.yaml): "
                f"{', '.join(config.domains)}"
            )


def _derived_id(root: Path, title: str) -> str:
    from pledgetrack.model.ids import slugify
    from pledgetrack.store.writer import pledge_path

    slug = slugify(title)
    if not slug:
        raise PledgetrackError(
            "the title has no Latin letters to make an id from; choose one with --id SLUG "
            "(lowercase letters, digits and '-')"
        )
    if pledge_path(root, slug).exists():
        number = 2
        while pledge_path(root, f"{slug}-{number}").exists():
            number += 1
        raise PledgetrackError(
            f"a pledge with id '{slug}' already exists (pledges/{slug}.yaml); if this is "
            f"another pledge, choose its id with --id (for example --id {slug}-{number})"
        )
    return slug


@app.command()
def add(
    title: Annotated[str | None, typer.Argument(
        metavar="TITLE", help="What was pledged, in one line.", show_default=False)] = None,
    actors: Annotated[list[str] | None, typer.Option(
        "--actor", "-a", metavar="NAME", help="Who made the pledge (repeat for a joint pledge).",
        show_default=False)] = None,
    recipients: Annotated[list[str] | None, typer.Option(
        "--to", metavar="NAME", help="Who it was made to (repeatable).",
        show_default=False)] = None,
    domains: Annotated[list[str] | None, typer.Option(
        "--domain", metavar="DOMAIN", help="Policy domain (repeatable).",
        autocompletion=complete.domains,
        show_default=False)] = None,
    announced: Annotated[str | None, typer.Option(
        metavar="DATE", help=f"When it was made: {DATE_HELP}.", show_default=False)] = None,
    deadline: Annotated[str | None, typer.Option(
        metavar="DATE", help="When it is due (a partial date means the end of that period).",
        show_default=False)] = None,
    sources: Annotated[list[str] | None, typer.Option(
        "--source", metavar="URL", help="URL documenting the pledge (repeatable).",
        show_default=False)] = None,
    source_title: Annotated[str | None, typer.Option(
        metavar="TEXT", help="Title of the first --source.", show_default=False)] = None,
    publisher: Annotated[str | None, typer.Option(
        metavar="TEXT", help="Publisher of the first --source.", show_default=False)] = None,
    archived: ArchivedOption = None,
    published: PublishedOption = None,
    quote: Annotated[str | None, typer.Option(
        metavar="TEXT", help="The exact wording.", show_default=False)] = None,
    summary: Annotated[str | None, typer.Option(
        metavar="TEXT", help="The pledge in your own words.", show_default=False)] = None,
    criteria: Annotated[str | None, typer.Option(
        metavar="TEXT", help="What would count as delivered, partial or broken.",
        show_default=False)] = None,
    made_by: Annotated[str | None, typer.Option(
        metavar="TEXT", help="The person or office that made it.", show_default=False)] = None,
    tags: Annotated[list[str] | None, typer.Option(
        "--tag", metavar="TAG", help="A free label (repeatable).", show_default=False)] = None,
    pledge_id: Annotated[str | None, typer.Option(
        "--id", metavar="SLUG", help="The id (file name); derived from the title when left out.",
        show_default=False)] = None,
    dir: DirOption = None,
) -> int:
    """Add a pledge: writes pledges/<id>.yaml and prints its id and path.

    On a terminal, missing required fields are asked for; elsewhere they are an error.
    """
    from pledgetrack.model.records import Pledge
    from pledgetrack.store import writer
    from pledgetrack.store.workspace import Workspace

    workspace = Workspace(dir)
    root, config = workspace.root, workspace.config
    actor_list, domain_list, source_list = list(actors or []), list(domains or []), \
        list(sources or [])
    missing = [name for name, value in (
        ("TITLE", title), ("--actor", actor_list), ("--domain", domain_list),
        ("--announced", announced), ("--source", source_list),
    ) if not value]
    announced_date = parse_date(announced, "--announced") if announced else None
    if missing and not interactive():
        raise PledgetrackError(
            f"missing {', '.join(missing)} (required; prompts are only shown on a terminal)"
        )
    if title is None:
        title = ask("Title")
    if not actor_list:
        actor_list = _prompt_list("Actors")
    if not domain_list:
        hint = f" [{', '.join(config.domains)}]" if config.domains else ""
        domain_list = _prompt_list(f"Domains{hint}")
    if announced_date is None:
        announced_date = _prompt_date("Announced")
    if not source_list:
        source_list = [ask("Source URL")]

    if config.domains:
        domain_list = [_as_named(d.strip(), list(config.domains)) for d in domain_list]
    _check_domains(domain_list, config)
    title = one_line(title, "the title")
    pledge = Pledge(
        id=pledge_id if pledge_id is not None else _derived_id(root, title),
        title=title,
        actors=tuple(one_line(a, "--actor") for a in actor_list),
        recipients=tuple(one_line(r, "--to") for r in recipients or []),
        domains=tuple(one_line(d, "--domain") for d in domain_list),
        made_by=one_line(made_by, "--made-by") if made_by else None,
        announced=announced_date,
        deadline=parse_date(deadline, "--deadline") if deadline else None,
        summary=summary or None,
        quote=quote or None,
        criteria=criteria or None,
        tags=tuple(one_line(t, "--tag") for t in tags or []),
        sources=_sources(source_list, source_title, publisher, archived, published),
    )
    writer.pledge_path(root, pledge.id)  # refuse an unsafe --id before anything else
    problems = writer.check_new_pledge(pledge, config)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise all_errors([e.message for e in errors])  # every one, not only the first
    path = writer.create(root, pledge)
    for problem in problems:
        out.warn(problem.message)
    rel = f"pledges/{path.name}"
    out.data(f"{pledge.id}\t{rel}\n")
    out.say(f"created {rel}\n")
    return EXIT_OK


# -- update ----------------------------------------------------------------------------------------

@app.command(cls=PledgetrackCommand)
def update(
    pledge_id: PledgeIdArgument,
    status: Annotated[str, typer.Option(
        "--status", "-s", metavar="STATUS", help="The new status (see 'pledgetrack statuses').",
        autocompletion=complete.statuses, show_default=False)],
    date: Annotated[str | None, typer.Option(
        metavar="DATE", help=f"When it happened (default: today): {DATE_HELP}.",
        show_default=False)] = None,
    party: Annotated[str | None, typer.Option(
        metavar="NAME", help="The actor this assesses, for a joint pledge.",
        show_default=False)] = None,
    note: Annotated[str | None, typer.Option(
        metavar="TEXT", help="What happened, in a sentence or two.", show_default=False)] = None,
    sources: Annotated[list[str] | None, typer.Option(
        "--source", metavar="URL", help="URL backing the update (repeatable).",
        show_default=False)] = None,
    source_title: Annotated[str | None, typer.Option(
        metavar="TEXT", help="Title of the first --source.", show_default=False)] = None,
    publisher: Annotated[str | None, typer.Option(
        metavar="TEXT", help="Publisher of the first --source.", show_default=False)] = None,
    archived: ArchivedOption = None,
    published: PublishedOption = None,
    dir: DirOption = None,
) -> int:
    """Add an update to a pledge's follow-through log.

    Only lines are added to the file: comments, quoting and layout stay as they were. A
    backdated entry goes among the others in date order, and records when it was written down
    (recorded: today). A file that has errors is refused: fix it with 'pledgetrack edit'.
    """
    import dataclasses

    from pledgetrack.model.dates import PartialDate
    from pledgetrack.model.records import Update
    from pledgetrack.store import writer
    from pledgetrack.store.workspace import Workspace

    workspace = Workspace(dir)
    root = workspace.root
    writer.pledge_path(root, pledge_id)  # an unsafe id is refused before anything is read
    now = today()
    when = parse_date(date, "--date", now) if date else PartialDate.from_date(now)
    entry = Update(
        date=when,
        status=status.strip(),
        party=one_line(party, "--party") if party is not None else None,
        note=note.strip() or None if note is not None else None,
        sources=_sources(list(sources or []), source_title, publisher, archived, published),
        recorded=None if when == PartialDate.from_date(now) else PartialDate.from_date(now),
    )
    config = workspace.config
    entry = dataclasses.replace(entry, status=config.vocabulary.spelled(entry.status))
    # The checks (and warnings, such as a date in the future) are those of `import --updates`.
    result = writer.append_update(root, pledge_id, entry, config, today=now)
    for message in result.warnings:
        out.warn(message)
    # A backdated entry goes among the others, in date order: say where.
    where = "" if result.number == result.total else f" of {result.total}, in date order"
    out.say(
        f"pledges/{result.path.name}: added update {result.number}{where} ({entry.status}, "
        f"{when})\n"
    )
    return EXIT_OK


# -- edit ------------------------------------------------------------------------------------------

def _editor() -> list[str]:
    import os
    import shlex

    variable = "VISUAL" if os.environ.get("VISUAL") else "EDITOR"
    command = os.environ.get(variable)
    if not command:
        if not interactive():
            raise PledgetrackError("set $VISUAL or $EDITOR to the editor to use")
        return ["vi"]
    # Read as a shell would split it (`code --wait`, a quoted path with spaces), before any
    # copy is made: a value that is not a command leaves nothing behind.
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise PledgetrackError(
            f"${variable} cannot be read as a command ({str(exc).lower()}): {command!r}"
        ) from None
    if not words:
        raise PledgetrackError(f"${variable} is blank; set it to the editor to use")
    return words


@app.command(cls=PledgetrackCommand)
def edit(
    pledge_id: PledgeIdArgument,
    dir: DirOption = None,
) -> int:
    """Edit a pledge file in $VISUAL or $EDITOR; it is checked before it is saved.

    On errors they are shown and (on a terminal) the editor can be reopened; an aborted edit
    keeps your copy and says where. Emptying the file cancels the edit.
    """
    import subprocess
    import tempfile

    from pledgetrack.store import writer
    from pledgetrack.store.workspace import Workspace

    workspace = Workspace(dir)
    root = workspace.root
    path = writer.existing_path(root, pledge_id)
    config = workspace.config
    rel = f"pledges/{path.name}"
    original = path.read_bytes()
    command = _editor()
    # The copy lives outside pledges/, so nothing ever reads it as a pledge.
    fd, name = tempfile.mkstemp(prefix=f"pledgetrack-edit-{pledge_id}-", suffix=".yaml")
    copy = Path(name)
    with open(fd, "wb") as handle:
        handle.write(original)

    def abort(reason: str) -> int:
        out.say(f"pledgetrack: {reason}; {rel} is unchanged; your edited copy is kept at "
                f"{copy}\n")
        return EXIT_FINDINGS

    while True:
        try:
            code = subprocess.run([*command, str(copy)], check=False).returncode
        except OSError as exc:
            copy.unlink()
            raise PledgetrackError(f"cannot run the editor {command[0]!r}: {exc.strerror}") \
                from None
        if code != 0:
            return abort(f"the editor exited with status {code}")
        edited = copy.read_bytes()
        if not edited.strip():
            copy.unlink()
            out.say(f"pledgetrack: edit cancelled (the file was emptied); {rel} is unchanged\n")
            return EXIT_FINDINGS
        if edited == original:
            copy.unlink()
            out.say(f"no changes to {rel}\n")
            return EXIT_OK
        problems = writer.check_text(edited, rel, config)
        for problem in problems:
            out.say(f"{rel}:{problem.line}:{problem.col}: {problem.level}: "
                    f"{single_line(problem.message)} [{problem.rule}]\n")
        if not any(p.level == "error" for p in problems):
            break
        if not (interactive() and confirm("Reopen the editor to fix them?")):
            return abort("the edited file has errors")
    try:
        writer.replace_text(root, pledge_id, edited, original)
    except PledgetrackError as exc:
        return abort(exc.message)
    copy.unlink()
    out.say(f"saved {rel}\n")
    return EXIT_OK
