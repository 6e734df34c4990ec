"""Every output format, for each kind of result: the one place that says which formats exist.

A format is a :class:`Format` object: its name and the function that renders it. That function
imports its renderer module when it is called, so that knowing the choices of ``--format`` (at
every start) imports nothing; and because the import is a plain ``import`` statement, a renamed
renderer is a type-checking error, not a failure at run time. A renderer takes the result (and
keyword options; each ignores those it does not use) and returns the text to write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Renderer = Callable[..., str]
# A renderer that yields the text piece by piece, for results too large to hold whole.
ChunkRenderer = Callable[..., Iterator[str]]


@dataclass(frozen=True, slots=True)
class Format:
    """One output format of one kind of result."""

    name: str
    render: Renderer
    chunks: ChunkRenderer | None = None


# -- problems: check's problems --------------------------------------------------------------------

def _problems_text(result: Any, **options: Any) -> str:
    from pledgetrack.render import problems

    return problems.text(result, **options)


def _problems_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import problems

    return problems.json(result, **options)


def _problems_github(result: Any, **options: Any) -> str:
    from pledgetrack.render import problems

    return problems.github(result, **options)


# -- statuses: the status vocabulary ---------------------------------------------------------------

def _statuses_table(result: Any, **options: Any) -> str:
    from pledgetrack.render import statuses

    return statuses.table(result, **options)


def _statuses_text(result: Any, **options: Any) -> str:
    from pledgetrack.render import statuses

    return statuses.text(result, **options)


def _statuses_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import statuses

    return statuses.json(result, **options)


# -- list: rows of pledges -------------------------------------------------------------------------

def _list_table(result: Any, **options: Any) -> str:
    from pledgetrack.render import listing

    return listing.table(result, **options)


def _list_tsv(result: Any, **options: Any) -> str:
    from pledgetrack.render import listing

    return listing.tsv(result, **options)


def _list_markdown(result: Any, **options: Any) -> str:
    from pledgetrack.render import listing

    return listing.markdown(result, **options)


def _list_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import listing

    return listing.json(result, **options)


def _list_csv(result: Any, **options: Any) -> str:
    from pledgetrack.render import listing

    return listing.csv(result, **options)


# -- report: the follow-through summary ------------------------------------------------------------

def _report_table(result: Any, **options: Any) -> str:
    from pledgetrack.render import report

    return report.table(result, **options)


def _report_markdown(result: Any, **options: Any) -> str:
    from pledgetrack.render import report

    return report.markdown(result, **options)


def _report_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import report

    return report.json(result, **options)


def _report_csv(result: Any, **options: Any) -> str:
    from pledgetrack.render import report

    return report.csv(result, **options)


def _report_html(result: Any, **options: Any) -> str:
    from pledgetrack.render import html

    return html.report(result, **options)


# -- export: export rows ---------------------------------------------------------------------------

def _export_csv(result: Any, **options: Any) -> str:
    from pledgetrack.render import export

    return export.csv(result, **options)


def _export_csv_chunks(result: Any, **options: Any) -> Iterator[str]:
    from pledgetrack.render import export

    return export.csv_chunks(result, **options)


def _export_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import export

    return export.json(result, **options)


def _export_json_chunks(result: Any, **options: Any) -> Iterator[str]:
    from pledgetrack.render import export

    return export.json_chunks(result, **options)


def _export_jsonl(result: Any, **options: Any) -> str:
    from pledgetrack.render import export

    return export.jsonl(result, **options)


def _export_jsonl_chunks(result: Any, **options: Any) -> Iterator[str]:
    from pledgetrack.render import export

    return export.jsonl_chunks(result, **options)


# -- diff: the changes between two revisions -------------------------------------------------------

def _diff_table(result: Any, **options: Any) -> str:
    from pledgetrack.render import diff

    return diff.table(result, **options)


def _diff_markdown(result: Any, **options: Any) -> str:
    from pledgetrack.render import diff

    return diff.markdown(result, **options)


def _diff_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import diff

    return diff.json(result, **options)


# -- sources: the cited links checked --------------------------------------------------------------

def _sources_table(result: Any, **options: Any) -> str:
    from pledgetrack.render import sources

    return sources.table(result, **options)


def _sources_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import sources

    return sources.json(result, **options)


def _sources_markdown(result: Any, **options: Any) -> str:
    from pledgetrack.render import sources

    return sources.markdown(result, **options)


def _sources_github(result: Any, **options: Any) -> str:
    from pledgetrack.render import sources

    return sources.github(result, **options)


# -- pledge: one pledge (show) ---------------------------------------------------------------------

def _pledge_text(result: Any, **options: Any) -> str:
    from pledgetrack.render import pledge

    return pledge.text(result, **options)


def _pledge_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import pledge

    return pledge.json(result, **options)


# -- changes: what happened between two dates --------------------------------------------------

def _changes_table(result: Any, **options: Any) -> str:
    from pledgetrack.render import changes

    return changes.table(result, **options)


def _changes_markdown(result: Any, **options: Any) -> str:
    from pledgetrack.render import changes

    return changes.markdown(result, **options)


def _changes_json(result: Any, **options: Any) -> str:
    from pledgetrack.render import changes

    return changes.json(result, **options)


def _changes_html(result: Any, **options: Any) -> str:
    from pledgetrack.render import changes

    return changes.html(result, **options)


def _formats(*formats: Format) -> dict[str, Format]:
    return {f.name: f for f in formats}


# Kind of result -> format name -> format, in the order of --help.
FORMATS: dict[str, dict[str, Format]] = {
    "problems": _formats(
        Format("text", _problems_text),
        Format("json", _problems_json),
        Format("github", _problems_github),
    ),
    "statuses": _formats(
        Format("table", _statuses_table),
        Format("text", _statuses_text),
        Format("json", _statuses_json),
    ),
    "list": _formats(
        Format("table", _list_table),
        Format("tsv", _list_tsv),
        Format("markdown", _list_markdown),
        Format("json", _list_json),
        Format("csv", _list_csv),
    ),
    "report": _formats(
        Format("table", _report_table),
        Format("markdown", _report_markdown),
        Format("json", _report_json),
        Format("csv", _report_csv),
        Format("html", _report_html),
    ),
    "changes": _formats(
        Format("table", _changes_table),
        Format("markdown", _changes_markdown),
        Format("json", _changes_json),
        Format("html", _changes_html),
    ),
    "export": _formats(
        Format("csv", _export_csv, _export_csv_chunks),
        Format("json", _export_json, _export_json_chunks),
        Format("jsonl", _export_jsonl, _export_jsonl_chunks),
    ),
    "diff": _formats(
        Format("table", _diff_table),
        Format("markdown", _diff_markdown),
        Format("json", _diff_json),
    ),
    "sources": _formats(
        Format("table", _sources_table),
        Format("json", _sources_json),
        Format("markdown", _sources_markdown),
        Format("github", _sources_github),
    ),
    "pledge": _formats(
        Format("text", _pledge_text),
        Format("json", _pledge_json),
    ),
}


def choices(kind: str) -> list[str]:
    return list(FORMATS[kind])


def format_of(kind: str, name: str) -> Format:
    """Format ``name`` of a kind of result; an unknown name is a usage error listing the
    choices."""
    try:
        return FORMATS[kind][name]
    except KeyError:
        from pledgetrack.errors import PledgetrackError

        raise PledgetrackError(
            f"unknown format '{name}'; choose from {', '.join(choices(kind))}"
        ) from None


def get(kind: str, name: str) -> Renderer:
    """The renderer of format ``name`` (see :func:`format_of`)."""
    return format_of(kind, name).render


def get_chunks(kind: str, name: str) -> ChunkRenderer:
    """The renderer of format ``name`` that yields its text piece by piece."""
    chunks = format_of(kind, name).chunks
    if chunks is None:
        raise ValueError(f"format {kind}/{name} is written whole only")
    return chunks
