"""`pledgetrack sources` against real servers on 127.0.0.1: every kind of answer classified as
docs/sources.md says, limits per host and in all, the kept results, annotations, speed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pledgetrack.model.dates import PartialDate
from pledgetrack.sources import probe
from pledgetrack.sources.probe import ProbeSettings, check_urls
from tests.clirun import cli, read_until_closed
from tests.cputime import process_cpu
from tests.linkservers import (
    LinkServer,
    ResetServer,
    SilentServer,
    closed_port,
    self_signed,
    serve,
    tls_server,
)

# Timeouts generous enough for a loaded machine: only the silent server's test waits for one.
FAST = ProbeSettings(timeout=5, backoff=0.05)


@pytest.fixture
def server() -> Iterator[LinkServer]:
    with serve() as s:
        yield s


def pledge_text(pledge_id: str, urls: list[str], update_urls: list[str] = (),  # type: ignore[assignment]
                archived: str | None = None) -> str:
    lines = [f"id: {pledge_id}", "title: A pledge", "actors:", "  - Japan", "domains:",
             "  - cyber", "announced: 2025-10-26", "sources:"]
    for n, url in enumerate(urls):
        lines.append(f"  - url: {url}")
        if archived and n == 0:
            lines.append(f"    archived: {archived}")
    if update_urls:
        lines += ["updates:", "  - date: 2025-11-20", "    status: in_progress", "    sources:"]
        lines += [f"      - url: {url}" for url in update_urls]
    return "\n".join(lines) + "\n"


def write_pledge(root: Path, pledge_id: str, urls: list[str], update_urls: list[str] = (),  # type: ignore[assignment]
                 archived: str | None = None) -> Path:
    path = root / "pledges" / f"{pledge_id}.yaml"
    path.write_text(pledge_text(pledge_id, urls, update_urls, archived), "utf-8")
    return path


def sources(root: Path, *args: str) -> tuple[int, str, str]:
    result = cli("sources", "--dir", str(root), "--timeout", "5", *args)
    return result.exit_code, result.stdout, result.stderr


def results_of(out: str) -> dict[str, dict[str, object]]:
    return {r["url"]: r for r in json.loads(out)["results"]}


# -- classification ----------------------------------------------------------------------------

def test_each_kind_of_answer_is_classified(server: LinkServer) -> None:
    u = server.url
    found = check_urls([u(p) for p in (
        "/ok", "/nohead", "/perm1", "/temp1", "/mixed", "/moved-dead", "/loop-a", "/gone404",
        "/gone410", "/fail500", "/forbidden")], FAST)
    got = {url.rsplit("/", 1)[1]: (r.state, r.status, r.final_url) for url, r in found.items()}
    assert got == {
        "ok": ("ok", 200, u("/ok")),
        "nohead": ("ok", 200, u("/nohead")),
        "perm1": ("moved", 200, u("/ok")),  # 301 then 308
        "temp1": ("ok", 200, u("/ok")),  # 302 then 307: the URL to cite has not changed
        "mixed": ("moved", 200, u("/ok")),
        "moved-dead": ("dead", 404, u("/gone404")),
        "loop-a": ("error", 302, u("/loop-b")),
        "gone404": ("dead", 404, u("/gone404")),
        "gone410": ("dead", 410, u("/gone410")),
        "fail500": ("error", 500, u("/fail500")),
        "forbidden": ("error", 403, u("/forbidden")),
    }
    # A permanent redirect's new URL is its target, not where later temporary ones lead.
    assert found[u("/perm1")].moved_to == u("/ok")
    assert found[u("/mixed")].moved_to == u("/temp1")
    assert found[u("/perm1")].redirects == ((301, u("/perm2")), (308, u("/ok")))
    assert "redirect loop" in found[u("/loop-a")].message
    # HEAD first; GET only where HEAD was refused.
    assert server.log.paths("HEAD").count("/ok") >= 1 and "/ok" not in server.log.paths("GET")
    assert server.log.paths("GET").count("/nohead") == 1
    assert found[u("/nohead")].method == "GET"


def test_control_characters_in_a_redirect_are_percent_encoded(
    data_root: Path, server: LinkServer,
) -> None:
    found = check_urls([server.url("/escape")], FAST)[server.url("/escape")]
    assert (found.state, found.moved_to) == ("moved", server.url("/ok?%1B[31mred%20%E9"))
    write_pledge(data_root, "esc", [server.url("/escape")])
    for fmt in ("table", "markdown", "github", "json"):
        _code, out, err = sources(data_root, "--format", fmt, "--max-age", "0")
        assert "\x1b" not in out + err, (fmt, out)
        assert "%1B[31mred%20%E9" in out or fmt in ("markdown", "github"), (fmt, out)


def test_the_user_agent_looks_like_a_browser_and_names_the_tool(server: LinkServer) -> None:
    check_urls([server.url("/ok")], FAST)
    agent = server.log.requests[0].agent
    assert agent.startswith("Mozilla/5.0 (") and "pledgetrack/" in agent


def test_429_is_asked_again_after_retry_after(server: LinkServer) -> None:
    found = check_urls([server.url("/busy")], FAST)
    assert (found[server.url("/busy")].state, found[server.url("/busy")].status) == ("ok", 200)
    times = [r.at for r in server.log.requests if r.path == "/busy"]
    assert len(times) == 3  # 429, 429, 200
    assert times[1] - times[0] >= 0.95 and times[2] - times[1] >= 0.95


def test_retries_end_and_a_long_retry_after_is_not_waited_for(
    server: LinkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The waits the prober decides on are recorded (the clock would also count a busy
    # machine); the clock only has to stay well under the 60 s a wrong wait would take.
    waits: list[float] = []
    pause = probe._Hosts.pause

    def recorded(self: probe._Hosts, host: str, seconds: float) -> None:
        waits.append(seconds)
        if seconds < 30:  # a wait that should not be (asserted below) is not sat through
            pause(self, host, seconds)

    monkeypatch.setattr(probe._Hosts, "pause", recorded)
    start = time.monotonic()
    found = check_urls([server.url("/busy-always"), server.url("/busy-long")],
                       ProbeSettings(timeout=5, retries=2))
    assert time.monotonic() - start < 30
    assert waits == [0.0, 0.0]  # Retry-After: 0, twice; Retry-After: 3600 is not waited for
    assert (found[server.url("/busy-always")].state,
            found[server.url("/busy-always")].status) == ("error", 429)
    assert found[server.url("/busy-always")].message == \
        "429 Too Many Requests (still after 3 tries)"
    assert found[server.url("/busy-long")].message == \
        "503 Service Unavailable (Retry-After asks for 3600 s, more than 60 s)"
    assert server.log.paths().count("/busy-always") == 3  # the first try and two retries
    assert (found[server.url("/busy-long")].state,
            found[server.url("/busy-long")].status) == ("error", 503)
    assert server.log.paths().count("/busy-long") == 1  # Retry-After: 3600 is too long


def test_a_very_long_retry_after_is_named_as_the_server_gave_it(server: LinkServer) -> None:
    found = check_urls([server.url("/busy-huge")], ProbeSettings(timeout=5, retries=2))
    assert found[server.url("/busy-huge")].message == \
        "503 Service Unavailable (Retry-After asks for 99999 s, more than 60 s)"


def test_a_server_that_never_answers_times_out() -> None:
    silent = SilentServer()
    try:
        start = time.monotonic()
        found = check_urls([silent.url("/x")], ProbeSettings(timeout=0.3))
        # 0.3 s to connect and 0.3 s to read; the default timeout is 10 s, and without one
        # the call never returns. The margin is for a busy machine.
        assert time.monotonic() - start < 8
    finally:
        silent.close()
    result = found[silent.url("/x")]
    assert (result.state, result.status) == ("timeout", None)


def test_a_reset_connection_and_a_refused_one_are_errors() -> None:
    reset = ResetServer()
    refused = f"http://127.0.0.1:{closed_port()}/x"
    try:
        found = check_urls([reset.url("/x"), refused], FAST)
    finally:
        reset.close()
    assert (found[reset.url("/x")].state, found[reset.url("/x")].status) == ("error", None)
    assert "reset" in found[reset.url("/x")].message
    assert found[refused].state == "error" and "refused" in found[refused].message


def test_a_self_signed_certificate_is_a_tls_error(tmp_path: Path) -> None:
    pair = self_signed(tmp_path)
    if pair is None:
        pytest.skip("the openssl command is not available to make a certificate")
    with tls_server(*pair) as tls:
        found = check_urls([tls.url("/ok")], FAST)
        result = found[tls.url("/ok")]
        assert (result.state, result.status) == ("error", None)
        assert result.message.startswith("TLS: ") and "certificate" in result.message
        assert tls.log.requests == []  # no request went over an untrusted connection


def test_a_name_that_does_not_resolve_is_a_dns_error() -> None:
    # Built, not looked up: the tests use no network but 127.0.0.1.
    import socket

    import urllib3.exceptions

    from pledgetrack.sources.probe import describe_failure

    exc = urllib3.exceptions.NameResolutionError(
        "nowhere.invalid", None, socket.gaierror(-2, "Name or service not known"))  # type: ignore[arg-type]
    assert describe_failure(exc) == ("error", "DNS: the host name does not resolve")


# -- limits ----------------------------------------------------------------------------------

def test_requests_to_one_host_are_limited(server: LinkServer) -> None:
    urls = [server.url(f"/slowish/{n}") for n in range(10)]
    found = check_urls(urls, ProbeSettings(timeout=5, jobs=8, per_host=2))
    assert all(r.state == "ok" for r in found.values())
    assert server.log.most == 2  # never more, and the two slots were used at once


def test_requests_in_all_are_limited() -> None:
    servers = [serve() for _ in range(4)]
    try:
        urls = [s.url(f"/slowish/{n}") for s in servers for n in range(4)]
        found = check_urls(urls, ProbeSettings(timeout=5, jobs=3, per_host=2))
        assert len(found) == 16 and all(r.state == "ok" for r in found.values())
        # The servers' request times overlap at most three at a time.
        spans = []
        for s in servers:
            assert s.log.most <= 2
            spans += [r.at for r in s.log.requests]
        events = sorted([(t, 1) for t in spans] + [(t + 0.14, -1) for t in spans])
        busy = most = 0
        for _, step in events:
            busy += step
            most = max(most, busy)
        assert most <= 3
    finally:
        for s in servers:
            s.__exit__()


# -- the command -------------------------------------------------------------------------------

def test_each_url_is_checked_once_and_the_exit_code_follows_fail_on(
    data_root: Path, server: LinkServer
) -> None:
    write_pledge(data_root, "a", [server.url("/ok"), server.url("/gone404")],
                 [server.url("/ok")])
    write_pledge(data_root, "b", [server.url("/ok"), server.url("/perm1")])
    code, out, err = sources(data_root, "--format", "json")
    assert code == 1, err
    doc = json.loads(out)
    assert doc["links"] == 3 and doc["counts"] == {"dead": 1, "error": 0, "timeout": 0,
                                                   "moved": 1, "ok": 1}
    # Cited three times, asked once (and once more at the end of /perm1's redirects).
    assert server.log.paths("HEAD").count("/ok") == 2
    ok = results_of(out)[server.url("/ok")]
    assert [(c["pledge"], c["line"], c["update"]) for c in ok["citations"]] == [  # type: ignore[union-attr]
        ("a", 9, None), ("a", 15, 1), ("b", 9, None)]
    assert "3 links" in err and "1 dead" in err
    assert sources(data_root, "--fail-on", "none", "--max-age", "0")[0] == 0
    assert sources(data_root, "--fail-on", "dead", "--max-age", "0")[0] == 1


def test_fail_on_dead_ignores_other_failures(data_root: Path, server: LinkServer) -> None:
    write_pledge(data_root, "a", [server.url("/fail500"), server.url("/perm1")])
    assert sources(data_root, "--fail-on", "dead")[0] == 0
    assert sources(data_root, "--fail-on", "any")[0] == 1


def test_kept_results_are_reused_until_max_age(data_root: Path, server: LinkServer) -> None:
    write_pledge(data_root, "a", [server.url("/ok"), server.url("/perm1"),
                                  server.url("/gone404")])
    code, out, _ = sources(data_root, "--format", "json")
    assert code == 1 and json.loads(out)["checked"] == 3
    first = len(server.log.requests)
    code, out, err = sources(data_root, "--format", "json")
    # The working links are taken from the first run; the dead one is asked again.
    asked = [r.path for r in server.log.requests[first:]]
    assert asked == ["/gone404", "/gone404"]  # HEAD, then GET
    doc = json.loads(out)
    assert doc["checked"] == 1 and "2 kept from earlier runs" in err
    assert results_of(out)[server.url("/ok")]["from_cache"] is True
    second = len(server.log.requests)
    sources(data_root, "--format", "json", "--max-age", "0")
    assert "/ok" in [r.path for r in server.log.requests[second:]]


def test_filters_and_since_choose_the_links(data_root: Path, server: LinkServer) -> None:
    write_pledge(data_root, "a", [server.url("/page/a")], [server.url("/page/a-update")])
    write_pledge(data_root, "b", [server.url("/page/b")])
    code, out, err = sources(data_root, "--format", "json", "--id", "b")
    assert code == 0, err
    assert list(results_of(out)) == [server.url("/page/b")]
    code, out, _ = sources(data_root, "--format", "json", "--since", "2025-11")
    assert list(results_of(out)) == [server.url("/page/a-update")]
    code, out, _ = sources(data_root, "--format", "json", "--since", "2025-12")
    assert json.loads(out)["links"] == 0 and code == 0
    code, out, _ = sources(data_root, "--format", "json", "--domain", "cyber", "--actor", "Japan")
    assert len(results_of(out)) == 3
    code, _, err = sources(data_root, "--id", "nope")
    assert code == 2 and "no pledge with id 'nope'" in err
    code, _, err = sources(data_root, "--since", "someday")
    assert code == 2 and "--since" in err
    code, _, err = sources(data_root, "--max-age", "a week")
    assert code == 2 and "--max-age" in err


def test_github_annotations_point_at_the_citing_lines(
    data_root: Path, server: LinkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    # Lines: 9 "- url: /ok", 10 "- url: /gone410"; the update's source is on line 15.
    write_pledge(data_root, "a", [server.url("/ok"), server.url("/gone410")],
                 [server.url("/perm1")])
    text = (data_root / "pledges" / "a.yaml").read_text("utf-8").splitlines()
    assert text[9] == f"  - url: {server.url('/gone410')}"
    assert text[14] == f"      - url: {server.url('/perm1')}"
    code, out, _ = sources(data_root, "--format", "github")
    assert code == 1
    assert out.splitlines() == [
        f"::error file=pledges/a.yaml,line=10,title=pledgetrack source dead::"
        f"dead link (410): {server.url('/gone410')} - 410 Gone",
        f"::notice file=pledges/a.yaml,line=15,title=pledgetrack source moved::"
        f"moved link (200): {server.url('/perm1')} - moved to {server.url('/ok')}",
    ]


def test_github_is_the_default_format_on_github_actions(
    data_root: Path, server: LinkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(data_root.parent))
    write_pledge(data_root, "a", [server.url("/gone404")])
    code, out, _ = sources(data_root)
    assert code == 1
    assert out.startswith(f"::error file={data_root.name}/pledges/a.yaml,line=9,")


def test_markdown_lists_what_needs_attention_and_appends_a_summary(
    data_root: Path, server: LinkServer, tmp_path: Path
) -> None:
    archive = "https://web.archive.org/web/2025/x"
    write_pledge(data_root, "a", [server.url("/gone404"), server.url("/ok")],
                 archived=archive)
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n", "utf-8")
    code, out, _ = sources(data_root, "--format", "markdown", "--summary", str(summary))
    assert code == 1
    assert out.startswith("## Source links\n\n2 links\\: 1 dead, 1 ok\n")
    assert "| **dead** | 404 |" in out and "pledges/a.yaml\\:9" in out
    assert "archived copy: [" in out and f"]({archive})" in out
    assert server.url("/ok") not in out  # working links are counted, not listed
    assert summary.read_text("utf-8") == "# Earlier step\n" + out


def test_table_in_a_pipe_is_plain_and_complete(data_root: Path, server: LinkServer) -> None:
    long_path = "/page/" + "x" * 150
    write_pledge(data_root, "a", [server.url(long_path), server.url("/gone404")])
    code, out, _ = sources(data_root)
    assert code == 1
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[-1] == "2 links: 1 dead, 1 ok"
    assert any(server.url(long_path) in line for line in lines)  # not cropped
    assert lines.index(next(x for x in lines if "dead" in x)) < \
        lines.index(next(x for x in lines if long_path in x))  # failures first


def test_200_local_links_take_under_ten_seconds_of_cpu(data_root: Path) -> None:
    # CPU time of this process (the command and the four servers, all threads): work that grew
    # faster than the number of links would show there; waiting would show on the clock, which
    # only has to stay under a limit a busy machine cannot reach.
    servers = [serve() for _ in range(4)]
    try:
        for n in range(50):
            write_pledge(data_root, f"p{n}", [s.url(f"/page/{n}") for s in servers])
        start, cpu = time.monotonic(), process_cpu()
        code, out, err = sources(data_root, "--format", "json")
        elapsed, used = time.monotonic() - start, process_cpu() - cpu
        assert code == 0, err
        assert json.loads(out)["counts"]["ok"] == 200
        assert used < 10, f"200 links took {used:.1f} s of CPU ({elapsed:.1f} s elapsed)"
        assert elapsed < 60, f"200 links took {elapsed:.1f} s"
    finally:
        for s in servers:
            s.__exit__()


# -- the shipped workflow and start-up ---------------------------------------------------------

def test_the_weekly_workflow_is_valid_and_its_commands_exist() -> None:
    import yaml

    from tests.docs.test_ci import CI_DOC, ROOT, pledgetrack_lines, resolve

    path = ROOT / "docs" / "examples" / "pledgetrack-sources.yml"
    text = path.read_text("utf-8")
    doc = yaml.safe_load(text)
    assert doc[True]["schedule"][0]["cron"]  # `on:` reads as True in YAML 1.1
    runs = [step["run"] for step in doc["jobs"]["links"]["steps"] if "run" in step]
    commands = [args for run in runs for args in pledgetrack_lines(run)]
    assert commands and commands[0][0] == "sources"
    for args in commands:
        resolve(args)
    assert text in CI_DOC.read_text("utf-8")  # shown verbatim in docs/ci.md


def test_other_commands_do_not_load_the_http_client() -> None:
    import subprocess
    import sys

    code = ("import sys, pledgetrack.cli.app; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('urllib3', 'ssl')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# -- archived copies first where the original is dead --------------------------------------------

ARCHIVE = "https://web.archive.org/web/20251026000000/https://example.org/summit"


def test_show_report_and_diff_put_the_archived_copy_first_once_the_original_is_dead(
    data_root: Path, server: LinkServer
) -> None:
    import datetime as dt
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=data_root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=t@example.org", "-c", "user.name=T", "commit", "-q",
        "--allow-empty", "-m", "empty")
    dead, alive = server.url("/gone404"), server.url("/ok")
    write_pledge(data_root, "a", [dead, alive], archived=ARCHIVE)

    def show() -> str:
        result = cli("show", "--dir", str(data_root), "a")
        assert result.exit_code == 0, result.stderr
        return result.stdout

    # Before any check: the original first, the copy beside it.
    assert f"1. {dead} (archived: {ARCHIVE})" in show()
    assert sources(data_root)[0] == 1
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert (f"1. {ARCHIVE} (archived copy; the original {dead} answered 404 when checked on "
            f"{today})") in show()
    assert f"2. {alive}\n" in show()

    page = data_root / "page.html"
    result = cli("report", "--dir", str(data_root), "-o", str(page))
    assert result.exit_code == 0, result.stderr
    # The page keeps each pledge's card (with its sources) as data until it is opened.
    from tests.render.test_html_report import card_html, parse

    html = card_html(parse(page.read_text("utf-8")))["a"]
    item = html[html.index(f'href="{ARCHIVE}"') - 200:]
    item = item[:item.index("</li>")]
    assert item.index(f'href="{ARCHIVE}"') < item.index(f'href="{dead}"')
    assert "dead-link" in item and "answered 404" in item

    result = cli("diff", "--dir", str(data_root), "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert f"]({ARCHIVE}) (archived copy; the [original]({dead}) answered 404" in result.stdout


def test_a_progress_bar_runs_on_a_terminal_and_stdout_stays_data(
    data_root: Path, server: LinkServer, cache_home: Path
) -> None:
    import os
    import pty
    import subprocess

    from tests.clirun import SCRIPT

    write_pledge(data_root, "a", [server.url(f"/slowish/{n}") for n in range(6)])
    leader, follower = pty.openpty()
    env = dict(os.environ, PLEDGETRACK_CACHE_DIR=str(cache_home), COLUMNS="100")
    env.pop("NO_COLOR", None)
    proc = subprocess.run([SCRIPT, "sources", "--dir", str(data_root), "--format", "json",
                           "--per-host", "1"], stdout=subprocess.PIPE, stderr=follower,
                          env=env, timeout=60, check=False)
    os.close(follower)
    seen = read_until_closed(leader)
    os.close(leader)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["counts"]["ok"] == 6  # stdout holds only the data
    assert b"checking links" in seen


def test_the_python_api_checks_a_dataset_and_keeps_nothing_when_asked(
    data_root: Path, server: LinkServer, cache_home: Path
) -> None:
    from pledgetrack import load_dataset
    from pledgetrack.sources.run import check_sources

    write_pledge(data_root, "a", [server.url("/ok"), server.url("/gone410")],
                 [server.url("/temp1")])
    ds = load_dataset(data_root)
    report = check_sources(ds.pledges, settings=FAST, keep=False)
    states = {link.url: link.result.state for link in report.links}
    assert states == {server.url("/ok"): "ok", server.url("/gone410"): "dead",
                      server.url("/temp1"): "ok"}
    assert [link.url for link in report.failing("dead")] == [server.url("/gone410")]
    assert not (cache_home / "links.json").exists()
    since = check_sources(ds.pledges, since=PartialDate(2025, 11), settings=FAST)
    assert [link.url for link in since.links] == [server.url("/temp1")]
    assert (cache_home / "links.json").exists()
