"""Text from pull requests on its way to a reader: terminal control characters, and lines that a
GitHub Actions runner would act on as workflow commands.

Plain functions on text; the CLI's output path (cli/output.py) applies them to everything a
command writes, whatever the format.
"""

from __future__ import annotations

import re

from pledgetrack.model.text import CONTROL_CHARACTERS

# Formats for people, whose lines can start with record text (a report's group names, the lines
# of a note in `show`): their control characters are always escaped. Data formats (CSV, JSON …)
# keep theirs, except on a terminal.
TEXT_FORMATS = frozenset({"table", "text"})

_CONTROLS = CONTROL_CHARACTERS
# The same, but a colour sequence (SGR: ESC [ digits and ';' m) is kept whole. Only output that
# Rich coloured may keep them: Rich escapes the record text it lays out (render.console), so the
# only SGR sequences left are its own.
_CONTROLS_BUT_COLOUR = re.compile(r"\x1b\[[0-9;]*m|" + CONTROL_CHARACTERS.pattern)


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if len(char) > 1:  # a colour sequence, kept
        return char
    # JSON's escapes, so that JSON shown on a terminal still parses to the same text.
    return "\\r" if char == "\r" else f"\\u{ord(char):04x}"


def escape_controls(text: str, *, keep_colour: bool = False) -> str:
    """``text`` with control characters shown as escapes (``\\u001b``, ``\\r``, ``\\u009b``),
    tabs and line breaks kept; ``keep_colour`` keeps whole SGR colour sequences."""
    pattern = _CONTROLS_BUT_COLOUR if keep_colour else _CONTROLS
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape_one, text)


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a character :func:`escape_controls` would escape."""
    return _CONTROLS.search(text) is not None


# -- GitHub Actions workflow commands ------------------------------------------------------------

# The runner reads its input line by line, a line ending at LF, CR or CRLF; it acts on a line
# that starts with '::' after leading white space (the current syntax), and on one that holds
# '##[' anywhere (the legacy syntax, still parsed). White space as .NET's TrimStart sees it is
# covered by \s plus a few characters older Unicode versions counted as spaces.
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_SPACE = rf"(?:[^\S{_BREAKS}]|[\u180e\u200b\ufeff])*"
_COMMAND = re.compile(rf"(?:\A|[{_BREAKS}]){_SPACE}::|##\[")
_LAST_BREAK = re.compile(rf"[{_BREAKS}](?=[^{_BREAKS}]*\Z)")


def starts_command(text: str) -> bool:
    """Whether a line of ``text`` (which starts at the start of a line) would be a workflow
    command."""
    return _COMMAND.search(text) is not None


class CommandGuard:
    """Makes one output stream safe for a GitHub Actions log, as it is written.

    Data (``envelope=True``, stdout): the first time a line would be a workflow command, the
    runner is told to stop acting on commands (``::stop-commands::TOKEN``, GitHub's documented
    way to print untrusted text; the token is random) before the text is written, and to resume
    (``::TOKEN::``) when the command ends. The data itself is written as it is.

    Messages (``envelope=False``, stderr): the offending lines are changed instead (``\\::`` at
    the start, ``##\\[``). Both streams reach the same runner through separate pipes, whose
    lines it may read in any order, so only one of them may stop and resume the runner.

    A line is held back until its end arrives (or :meth:`close`), since the start of a command
    may come in one write and the rest in the next.
    """

    def __init__(self, *, envelope: bool) -> None:
        self.envelope = envelope
        self.token: str | None = None  # set once commands are stopped
        self.pending = ""
        self.ended_line = True  # the last character written ended a line

    def feed(self, text: str) -> str:
        """What to write for ``text``."""
        text, self.pending = self.pending + text, ""
        if self.token is not None:
            return self._sent(text)
        match = _LAST_BREAK.search(text)
        if match is None:
            self.pending = text
            return ""
        cut = match.end()
        ready, self.pending = text[:cut], text[cut:]
        return self._guarded(ready)

    def close(self) -> str:
        """What is left to write when the command ends."""
        text, self.pending = self._guarded(self.pending), ""
        if self.token is not None:
            newline = "" if self.ended_line else "\n"
            text += f"{newline}::{self.token}::\n"
            self.token = None
        return text

    def _guarded(self, text: str) -> str:
        if not text or not starts_command(text):
            return self._sent(text)
        if not self.envelope:
            return self._sent(neutralise_commands(text))
        import secrets

        self.token = secrets.token_hex(16)
        # `text` starts a line: held-back text always starts at one.
        return self._sent(f"::stop-commands::{self.token}\n{text}")

    def _sent(self, text: str) -> str:
        if text:
            self.ended_line = text[-1] in _BREAKS
        return text


_LINE_START_COMMAND = re.compile(rf"((?:\A|[{_BREAKS}]){_SPACE})::")


def neutralise_commands(text: str) -> str:
    """Lines that would be workflow commands, changed so that they are not: a backslash before a
    leading '::' and inside '##['."""
    text = text.replace("##[", "##\\[")
    return _LINE_START_COMMAND.sub(lambda m: m.group(1) + "\\::", text)


# File names, branch names and arguments that are not valid UTF-8 reach Python as lone surrogates
# (U+DC80-U+DCFF, "surrogateescape"); JSON may hold others ("\\ud800"). Written out, they would
# be raw invalid bytes or an encoding error: they are shown as U+FFFD instead.
_SURROGATES = re.compile("[\ud800-\udfff]")


def valid_unicode(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the replacement character)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")  # fast, and almost always enough: no surrogate at all
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def replace_surrogates(exc: UnicodeError) -> tuple[str | bytes, int]:
    """A codec error handler ("pledgetrack-replace") for the standard streams: what
    :func:`valid_unicode` does, for whatever is written without it (messages, Rich). The UTF-8
    encoder takes only ASCII text or bytes as a replacement: U+FFFD is given as its bytes."""
    if isinstance(exc, UnicodeEncodeError):
        replacement = "\ufffd" * (exc.end - exc.start)
        if exc.encoding.replace("-", "").lower() == "utf8":
            return replacement.encode("utf-8"), exc.end
        # Another encoding (PYTHONIOENCODING=ascii, a cp1252 console, a latin-1 locale): a
        # character it lacks is shown as its escape (\u2013), a lone surrogate as '?'.
        return "".join("?" if "\ud800" <= c <= "\udfff" else c.encode("ascii", "backslashreplace")
                       .decode("ascii") for c in exc.object[exc.start:exc.end]), exc.end
    raise exc


def encoded_size(text: str) -> int:
    """The size of ``text`` in UTF-8 once written (a lone surrogate becomes U+FFFD: 3 bytes)."""
    return len(text.encode("utf-8", "surrogatepass"))
