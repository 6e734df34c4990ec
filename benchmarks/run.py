"""Time pledgetrack's commands as whole processes and print every performance target as a ratio.

    python benchmarks/run.py                 # N = 100, 1,000 and 10,000 pledges
    python benchmarks/run.py --large         # and 100,000 (about 15 minutes more)
    python benchmarks/run.py --runs 9 --markdown results.md
    python benchmarks/run.py --sizes '' --large --only export   # only the export rows

Data sets are generated with benchmarks/generate.py into a temporary folder (or --data DIR, reused
between runs). Each command runs --runs times, interleaved with the commands it is compared with, so
that a burst of load on a shared machine hits both sides of a ratio; the medians are reported, with
the peak resident memory of the process (ru_maxrss from wait4). Commands that this version of
pledgetrack does not have are reported as "not available".

"cold" means no cache (PLEDGETRACK_NO_CACHE=1), "first" a run that finds the cache empty and fills
it, "warm" the same command line run again with the cache filled. "new question" is a warm run
that asks something not asked before: another --as-of each run and, for `report`, after one pledge
file was edited (so that the cache has that file to parse again and its shard to rewrite). Every
run loads the records from the cache and works its answer out: nothing is replayed. The operating
system's file cache is warm in every case, for pledgetrack and for the baseline alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

# The floor for a Python tool that reads YAML, and the bare loop the cold loads are held to: it
# only parses the same files with libyaml, in one process.
IMPORT_YAML = "import yaml"
BARE_LOOP = (
    "import os, sys, yaml\n"
    "folder = os.path.join(sys.argv[1], 'pledges')\n"
    "for name in sorted(os.listdir(folder)):\n"
    "    if name.endswith('.yaml'):\n"
    "        with open(os.path.join(folder, name), 'rb') as f:\n"
    "            yaml.load(f.read(), Loader=yaml.CSafeLoader)\n"
)


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    failed: str = ""
    skipped: bool = False  # left out by --only

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def peak_mb(self) -> float:
        return max(self.rss_kb) / 1024 if self.rss_kb else float("nan")


@dataclass
class Command:
    """One thing to time: argv, environment additions, and a step run before each run."""

    label: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    before: Callable[[], None] | None = None
    sample: Sample = field(default_factory=Sample)


def run_once(cmd: Command, base_env: dict[str, str]) -> None:
    """Run the command with stdout on a pipe (read to the end), and record time and peak RSS."""
    if cmd.before is not None:
        cmd.before()
    env = {**base_env, **cmd.env}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd.argv, stdout=subprocess.PIPE, stderr=err, env=env)
        assert proc.stdout is not None
        while proc.stdout.read(1 << 16):
            pass
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        if proc.returncode not in (0, 1):  # 1: check found problems, a normal outcome
            err.seek(0)
            cmd.sample.failed = err.read().decode(errors="replace").strip()[-300:]
            return
    cmd.sample.seconds.append(elapsed)
    cmd.sample.rss_kb.append(usage.ru_maxrss)


# --only: the commands measured are those whose label starts with one of these words (all when
# empty); the others are reported as not measured.
ONLY: list[str] = []


def measure(group: list[Command], runs: int, base_env: dict[str, str]) -> None:
    """Each command once per round, ``runs`` rounds: the commands of a ratio share the noise."""
    if ONLY:
        for cmd in group:
            if not any(cmd.label.startswith(word) for word in ONLY):
                cmd.sample.skipped = True
        group = [cmd for cmd in group if not cmd.sample.skipped]
    for cmd in group:  # one unmeasured run: imports compiled, files in the OS cache
        run_once(cmd, base_env)
        cmd.sample.seconds.clear()
        cmd.sample.rss_kb.clear()
    for _ in range(runs):
        for cmd in group:
            if not cmd.sample.failed:
                run_once(cmd, base_env)


# -- what this pledgetrack has ---------------------------------------------------------------

def pledgetrack_argv() -> list[str]:
    script = Path(sys.executable).parent / "pledgetrack"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pledgetrack"]


def help_text(argv: list[str], command: str) -> str | None:
    result = subprocess.run([*argv, command, "--help"], capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})
    return result.stdout if result.returncode == 0 else None


# -- Taskwarrior, the reference for a warm report -----------------------------------------------

def taskwarrior(work: Path, count: int) -> Command | None:
    """`task summary` over ``count`` tasks in a temporary TASKDATA, or None without Taskwarrior."""
    task = shutil.which("task")
    if task is None:
        return None
    data = work / "taskdata"
    data.mkdir(parents=True, exist_ok=True)
    rc = work / "taskrc"
    rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\nnews.version=9.9\n")
    env = {"TASKRC": str(rc), "TASKDATA": str(data)}
    if not (data / "pending.data").exists():
        lines = []
        for i in range(count):
            entry = f"2024{1 + i % 12:02d}{1 + i % 28:02d}T{i % 24:02d}0000Z"
            doc = {"uuid": f"{i:08x}-0000-4000-8000-{i:012x}", "entry": entry,
                   "description": f"Follow up pledge {i} with the ministry",
                   "project": f"body{i % 40}.area{i % 5}", "tags": ["asean", "summit"],
                   "status": "completed" if i % 5 < 2 else "pending"}
            if doc["status"] == "completed":
                doc["end"] = entry
            if i % 2:
                doc["due"] = f"2026{1 + i % 12:02d}15T000000Z"
            lines.append(json.dumps(doc))
        source = work / "tasks.json"
        source.write_text("\n".join(lines) + "\n")
        subprocess.run([task, "import", str(source)], env={**os.environ, **env},
                       capture_output=True, check=True)
        subprocess.run([task, "summary"], env={**os.environ, **env}, capture_output=True)
    return Command(f"task summary ({count:,} tasks)", [task, "summary"], env)


# -- the run ------------------------------------------------------------------------------------

def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"model name\s*:\s*(.+)", text)
        if found:
            cpu = found.group(1).strip()
    except OSError:
        pass
    memory = ""
    try:
        found = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        if found:
            memory = f", {int(found.group(1)) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    import yaml

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    libyaml = "with libyaml" if getattr(yaml, "__with_libyaml__", False) else "without libyaml"
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return [
        f"CPU: {cpu}, {cpus} CPUs available{memory}",
        f"OS: {platform.platform()}",
        f"Python {platform.python_version()}, PyYAML {yaml.__version__} {libyaml}",
        f"load average at start: {', '.join(f'{x:.2f}' for x in load)}",
    ]


def fmt_s(sample: Sample) -> str:
    if sample.skipped:
        return "not measured"
    if sample.failed:
        return "failed"
    return f"{sample.median:.3f} s"


def fmt_mb(sample: Sample) -> str:
    return "" if sample.failed or sample.skipped else f"{sample.peak_mb:.0f} MB"


class Report:
    def __init__(self) -> None:
        self.timings: list[tuple[str, str, str, str]] = []  # (N, command, median, peak)
        self.targets: list[tuple[str, str, str, str]] = []  # (target, measured, limit, verdict)

    def timing(self, n: str, cmd: Command | None, label: str = "") -> None:
        if cmd is None:
            self.timings.append((n, label, "not available", ""))
        else:
            self.timings.append((n, cmd.label, fmt_s(cmd.sample), fmt_mb(cmd.sample)))

    def ratio(self, name: str, top: Command | None, bottom: Command | None,
              limit: float | None, note: str = "") -> None:
        """A target's ratio; ``limit`` None: a figure for information, not a target."""
        bound = "—" if limit is None else f"≤ {limit:g}"
        if (top is None or bottom is None or top.sample.failed or bottom.sample.failed
                or top.sample.skipped or bottom.sample.skipped):
            self.targets.append((name, "not available", bound, "—"))
            return
        value = top.sample.median / bottom.sample.median
        if limit is None:
            verdict = "for information"
        else:
            verdict = "met" if value <= limit else f"missed by {value / limit:.2f}×"
        self.targets.append(
            (name, f"{value:.2f} ({top.sample.median:.3f} s / {bottom.sample.median:.3f} s)"
             f"{note}", bound, verdict))

    def memory(self, name: str, cmd: Command | None, limit_mb: float) -> None:
        if cmd is None or cmd.sample.failed or cmd.sample.skipped:
            self.targets.append((name, "not available", f"≤ {limit_mb:g} MB", "—"))
            return
        peak = cmd.sample.peak_mb
        verdict = "met" if peak <= limit_mb else f"missed by {peak / limit_mb:.2f}×"
        self.targets.append((name, f"{peak:.0f} MB", f"≤ {limit_mb:g} MB", verdict))

    def markdown(self, header: list[str]) -> str:
        out = ["## Machine", "", *[f"- {line}" for line in header], "", "## Targets", "",
               "| target | measured | limit | verdict |", "|---|---|---|---|"]
        out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.targets]
        out += ["", "## Timings (median of the runs; peak RSS)", "",
                "| N | command | median | peak memory |", "|---|---|---|---|"]
        out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.timings]
        return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="comma-separated numbers of pledges (default: 100,1000,10000)")
    parser.add_argument("--large", action="store_true", help="also 100,000 pledges")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--data", type=Path, help="folder for the generated data sets (kept)")
    parser.add_argument("--markdown", type=Path, help="also write the results as Markdown here")
    parser.add_argument("--only", action="append", default=[], metavar="WORD",
                        help="measure only the commands whose label starts with WORD "
                        "(repeatable; e.g. export)")
    args = parser.parse_args(argv)
    ONLY[:] = args.only

    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.large and 100_000 not in sizes:
        sizes.append(100_000)
    work = Path(tempfile.mkdtemp(prefix="pledgetrack-bench-"))
    data_home = args.data or work / "data"
    cache_home = work / "cache"
    base_env = {**os.environ, "PLEDGETRACK_CACHE_DIR": str(cache_home), "NO_COLOR": "1"}
    # As users run it: compiled modules cached (the unmeasured first run writes them).
    for var in ("PLEDGETRACK_NO_CACHE", "PLEDGETRACK_JOBS", "PLEDGETRACK_DIR",
                "PLEDGETRACK_PURE_YAML", "GITHUB_ACTIONS", "PYTHONDONTWRITEBYTECODE"):
        base_env.pop(var, None)
    tool = pledgetrack_argv()
    py = sys.executable
    header = machine()
    print("\n".join(header), flush=True)

    available = {c: help_text(tool, c) for c in ("list", "report", "export", "update", "check")}
    has_matrix = "--matrix" in (available["report"] or "")
    print("commands: " + ", ".join(f"{c}{'' if h else ' (not available)'}"
                                   for c, h in available.items()), flush=True)

    report = Report()
    try:
        # -- start-up, on the bundled data set --------------------------------------------------
        bundled = str(REPO)
        import_yaml = Command("python -c 'import yaml'", [py, "-c", IMPORT_YAML])
        version = Command("pledgetrack --version", [*tool, "--version"])
        list_bundled = (Command("pledgetrack list (bundled data, warm)",
                                [*tool, "list", "--dir", bundled]) if available["list"] else None)
        list_asked = None
        if available["list"]:
            list_asked = Command("pledgetrack list (bundled data, warm, new question)",
                                 [*tool, "list", "--dir", bundled])
            list_asked.before = new_question(list_asked)
        check_bundled = Command("pledgetrack check (bundled data, warm)",
                                [*tool, "check", "--dir", bundled])
        group = [import_yaml, version, check_bundled,
                 *([list_bundled, list_asked] if list_bundled and list_asked else [])]
        print("start-up …", flush=True)
        measure(group, args.runs * 2, base_env)
        for cmd in group:
            report.timing("bundled", cmd)
        if list_bundled is None:
            report.timing("bundled", None, "pledgetrack list")
        report.ratio("`--version` ÷ `import yaml`", version, import_yaml, 3)
        report.ratio("`list` (bundled data, piped) ÷ `import yaml`", list_bundled, import_yaml, 3)
        report.ratio("`list` (bundled data, piped), new question each run ÷ `import yaml`",
                     list_asked, import_yaml, 3)

        tw = taskwarrior(work / "taskwarrior", 10_000)
        small_update: Command | None = None
        if available["update"]:
            small = data_home / "n12"
            if not (small / "pledges").exists():
                generate(12, small)
            small_update = update_command(tool, small, "pledgetrack update (12 pledges)")
            measure([small_update], args.runs, base_env)
            report.timing("12", small_update)

        per_size: dict[int, dict[str, Command | None]] = {}
        for n in sizes:
            folder = data_home / f"n{n}"
            if not (folder / "pledges").exists():
                print(f"generating {n:,} pledges …", flush=True)
                generate(n, folder)
            per_size[n] = time_size(n, folder, tool, py, available, has_matrix, args.runs,
                                    base_env, cache_home, tw if n == 10_000 else None, report)

        # -- targets ------------------------------------------------------------------------
        n10 = per_size.get(10_000)
        if n10:
            note = "" if tw is not None else " (Taskwarrior not installed)"
            report.ratio("warm `report --format json` at 10,000, new question each run "
                         "(another --as-of, one file edited) ÷ `task summary` (10,000 tasks)",
                         n10.get("report records"), n10.get("task summary"), 1.5, note)
            report.ratio("warm `report --format json` at 10,000, the same question "
                         "÷ `task summary`", n10.get("report warm"), n10.get("task summary"),
                         None, note)
            if n10.get("task summary") is None:
                report.targets.append(("(Taskwarrior figure from the brief)", "0.15 s", "", ""))
            for name in ("check", "report"):
                report.ratio(f"cold `{name}` at 10,000 ÷ bare libyaml loop",
                             n10.get(f"{name} cold"), n10.get("bare"), 1.0)
                report.ratio(f"first `{name}` (fills the cache) at 10,000 ÷ bare libyaml loop",
                             n10.get(f"{name} first"), n10.get("bare"), 1.0)
            report.ratio("`update` at 10,000 ÷ `update` at 12", n10.get("update"), small_update,
                         1.2)
        n100k = per_size.get(100_000)
        if n10 and n100k:
            ratios: list[tuple[str, tuple[str, ...]]] = [
                ("check", ("cold", "warm")), ("report", ("cold", "warm", "records"))]
            for name, states in ratios:
                for state in states:
                    what = "warm, new question" if state == "records" else state
                    report.ratio(f"{what} `{name}`: 100,000 ÷ 10,000",
                                 n100k.get(f"{name} {state}"), n10.get(f"{name} {state}"), 11)
        if n100k:
            peaks: list[tuple[str, tuple[str, ...]]] = [
                ("check", ("cold", "first", "warm")),
                ("report", ("cold", "first", "warm", "records")),
                ("export", ("warm", "json", "full", "updates"))]
            for name, states in peaks:
                for state in states:
                    what = {"records": "warm (new question)", "json": "`--format json`",
                            "full": "`--full`", "updates": "`--updates`"}.get(state, state)
                    report.memory(f"peak RSS of {what} `{name}` at 100,000",
                                  n100k.get(f"{name} {state}"), 300)
    finally:
        if args.data is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            shutil.rmtree(cache_home, ignore_errors=True)
            shutil.rmtree(work / "taskwarrior", ignore_errors=True)

    text = report.markdown(header)
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return 0


def new_question(cmd: Command, edit: Path | None = None) -> Callable[[], None]:
    """Before each run, another --as-of (a day later each time) and, with ``edit``, one more
    comment line at the end of that pledge file: the run answers a question never asked, from
    the cached records of every other file."""
    days = count()
    if "--as-of" not in cmd.argv:
        cmd.argv += ["--as-of", ""]
    at = cmd.argv.index("--as-of") + 1

    def ask() -> None:
        n = next(days)
        cmd.argv[at] = (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoformat()
        if edit is not None:
            with open(edit, "a", encoding="utf-8") as handle:
                handle.write(f"# benchmark edit {n}\n")

    return ask


def update_command(tool: list[str], folder: Path, label: str) -> Command:
    # The same pledge each time, with a date after every generated update. update fsyncs the
    # file it writes, and on ext4 an fsync also waits for other pending writes (the data sets
    # and caches just written): the disk is synced before each run, untimed, so that both
    # sizes start from the same state.
    return Command(label, [*tool, "update", "pledge-000001", "--dir", str(folder), "--status",
                           "in_progress", "--date", "2031-01-01", "--note", "benchmark",
                           "--source", "https://example.org/benchmark"], before=os.sync)


def time_size(
    n: int, folder: Path, tool: list[str], py: str, available: dict[str, str | None],
    has_matrix: bool, runs: int, base_env: dict[str, str], cache_home: Path,
    tw: Command | None, report: Report,
) -> dict[str, Command | None]:
    label = f"{n:,}"
    data = str(folder)
    cold = {"PLEDGETRACK_NO_CACHE": "1"}

    def clear_cache() -> None:
        shutil.rmtree(cache_home, ignore_errors=True)

    found: dict[str, Command | None] = {}
    bare = Command("bare libyaml loop (1 process)", [py, "-c", BARE_LOOP, data])
    found["bare"] = bare
    runs_here = max(3, runs // 2) if n >= 100_000 else runs
    print(f"N = {label}: cold …", flush=True)
    cold_group = [bare]
    for name, argv in (("check", ["check"]), ("report", ["report", "--format", "json"])):
        if not available[name]:
            found[f"{name} cold"] = found[f"{name} first"] = found[f"{name} warm"] = None
            continue
        found[f"{name} cold"] = Command(f"{' '.join(argv)} (cold: no cache)",
                                        [*tool, *argv, "--dir", data], cold)
        found[f"{name} first"] = Command(f"{' '.join(argv)} (first: fills the cache)",
                                         [*tool, *argv, "--dir", data], before=clear_cache)
        cold_group += [found[f"{name} cold"], found[f"{name} first"]]  # type: ignore[list-item]
    measure(cold_group, runs_here, base_env)

    print(f"N = {label}: warm …", flush=True)
    # The file a new question edits before each run; put back as it was afterwards.
    edited = folder / "pledges" / "pledge-000002.yaml"
    original = edited.read_bytes()
    warm_group: list[Command] = []
    warm_specs = [
        ("check warm", "check", ["check"], False),
        ("report warm", "report", ["report", "--format", "json"], False),
        ("report records", "report", ["report", "--format", "json"], True),
        ("report matrix", "report", ["report", "--matrix"] if has_matrix else None, False),
        ("list warm", "list", ["list"], False),
        ("list records", "list", ["list"], True),
        ("export warm", "export", ["export", "--format", "csv"], False),
        ("export json", "export", ["export", "--format", "json"], False),
        ("export full", "export", ["export", "--full"], False),
        ("export updates", "export", ["export", "--updates"], False),
    ]
    for key, needs, words, another in warm_specs:
        if not available[needs] or words is None:
            found[key] = None
            continue
        state = "warm, new question" if another else "warm"
        cmd = Command(f"{' '.join(words)} ({state})", [*tool, *words, "--dir", data])
        if another:
            # report: one file edited before each run too (a copy edited, the data set kept).
            cmd.before = new_question(cmd, edited if needs == "report" else None)
        found[key] = cmd
        warm_group.append(cmd)
    if tw is not None:
        found["task summary"] = tw
        warm_group.append(tw)
    else:
        found["task summary"] = None
    subprocess.run([*tool, "check", "--dir", data], env=base_env, capture_output=True)
    try:
        measure(warm_group, runs_here, base_env)
    finally:
        edited.write_bytes(original)

    if available["update"]:
        found["update"] = update_command(tool, folder, f"update (one pledge of {label})")
        measure([found["update"]], runs_here, base_env)  # type: ignore[list-item]
    else:
        found["update"] = None

    for key in ("bare", "check cold", "check first", "check warm",
                "report cold", "report first", "report warm", "report records", "report matrix",
                "list warm", "list records", "export warm", "export json", "export full",
                "export updates", "update"):
        report.timing(label, found.get(key), key.replace(" warm", "").replace(" matrix", " --matrix")
                      .replace(" records", ""))
    if tw is not None:
        report.timing("10,000 tasks", tw)
    return found


if __name__ == "__main__":
    sys.exit(main())
