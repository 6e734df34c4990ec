"""The git merge driver: real repositories, real branches, real `git merge`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pledgetrack.git.merge import merge_texts
from pledgetrack.store.loader import load_dataset
from tests.clirun import SCRIPT, cli
from tests.conftest import VALID

BASE = VALID.replace("{id}", "p").replace(
    "actors:\n  - Japan\n", "actors:\n  - Japan\n  - Philippines\n"
) + """\
# Reviewed by the desk, Nov 2025.
updates:
  - date: 2025-11-01
    status: in_progress
    note: Talks began.
"""


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding pledges/p.yaml on branch main, with the driver configured by
    the absolute path of this environment's pledgetrack."""
    (tmp_path / "pledges").mkdir()
    (tmp_path / "pledges" / "p.yaml").write_text(BASE, encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    for key, value in (("user.email", "test@example.org"), ("user.name", "Test"),
                       ("core.autocrlf", "false"),
                       ("merge.pledgetrack.driver", f"{SCRIPT} merge-driver %O %A %B")):
        git(tmp_path, "config", key, value)
    (tmp_path / ".gitattributes").write_text("pledges/*.yaml merge=pledgetrack\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def update(root: Path, *args: str) -> None:
    result = cli("update", "p", "--dir", str(root), *args)
    assert result.exit_code == 0, result.stderr


def merge(repo: Path) -> subprocess.CompletedProcess[str]:
    git(repo, "checkout", "-q", "main")
    return git(repo, "merge", "--no-edit", "theirs", check=False)


def pledge_text(repo: Path) -> str:
    return (repo / "pledges" / "p.yaml").read_text("utf-8")


def test_updates_appended_on_both_branches_merge_in_date_order(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "theirs")
    update(repo, "-s", "stalled", "--date", "2025-11-10", "--note", "Theirs, earlier.")
    update(repo, "-s", "in_progress", "--date", "2025-11-25", "--note", "Theirs, later.")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    update(repo, "-s", "delivered", "--date", "2025-11-20", "--party", "Japan",
           "--note", "Ours.")
    git(repo, "commit", "-qam", "ours")
    ours_text = pledge_text(repo)

    proc = merge(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = pledge_text(repo)
    pledge = load_dataset(repo).pledges[0]
    assert [u.note for u in pledge.updates] == [
        "Talks began.", "Theirs, earlier.", "Ours.", "Theirs, later."]
    assert [str(u.date) for u in pledge.updates] == sorted(str(u.date) for u in pledge.updates)
    # Every byte of our version is still there, in order (theirs are spliced in).
    remaining = iter(text.splitlines())
    assert all(line in remaining for line in ours_text.splitlines())
    assert "# Reviewed by the desk, Nov 2025.\n" in text
    assert "<<<<<<<" not in text
    assert git(repo, "status", "--porcelain").stdout == ""
    assert load_dataset(repo).problems == []


def test_backdated_updates_on_both_branches_merge_in_date_order(repo: Path) -> None:
    # update puts a backdated entry among the others: the common ancestor's entry is no longer
    # the first on their side, nor the last on ours.
    git(repo, "checkout", "-q", "-b", "theirs")
    update(repo, "-s", "stalled", "--date", "2025-10-28", "--note", "Theirs, before all.")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    update(repo, "-s", "delivered", "--date", "2025-11-20", "--note", "Ours, later.")
    update(repo, "-s", "stalled", "--date", "2025-10-30", "--note", "Ours, backdated.")
    git(repo, "commit", "-qam", "ours")
    ours_text = pledge_text(repo)

    proc = merge(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = pledge_text(repo)
    assert [u.note for u in load_dataset(repo).pledges[0].updates] == [
        "Theirs, before all.", "Ours, backdated.", "Talks began.", "Ours, later."]
    remaining = iter(text.splitlines())
    assert all(line in remaining for line in ours_text.splitlines())
    result = cli("check", "--strict", "--dir", repo)
    assert result.exit_code == 0, result.stdout


def test_other_fields_changed_on_one_side_each_are_merged(repo: Path) -> None:
    def theirs() -> None:
        path = repo / "pledges" / "p.yaml"
        path.write_text(pledge_text(repo).replace(
            "title: Support cybersecurity human-resource development in ASEAN",
            "title: Support cyber capacity building in ASEAN"), encoding="utf-8")
        update(repo, "-s", "stalled", "--date", "2025-11-10")

    git(repo, "checkout", "-q", "-b", "theirs")
    theirs()
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    path = repo / "pledges" / "p.yaml"
    path.write_text(pledge_text(repo).replace("announced: 2025-10-26\n",
                                              "announced: 2025-10-26\ndeadline: 2026-Q4\n"))
    update(repo, "-s", "delivered", "--date", "2025-11-20")
    git(repo, "commit", "-qam", "ours")

    proc = merge(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pledge = load_dataset(repo).pledges[0]
    assert pledge.title == "Support cyber capacity building in ASEAN"
    assert str(pledge.deadline) == "2026-Q4"
    assert [u.status for u in pledge.updates] == ["in_progress", "stalled", "delivered"]


def test_conflicting_edits_are_left_with_markers_that_check_reports(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "theirs")
    path = repo / "pledges" / "p.yaml"
    path.write_text(pledge_text(repo).replace("in ASEAN\n", "in Southeast Asia\n"))
    update(repo, "-s", "stalled", "--date", "2025-11-10")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    path.write_text(pledge_text(repo).replace("in ASEAN\n", "across ASEAN states\n"))
    git(repo, "commit", "-qam", "ours")

    proc = merge(repo)
    assert proc.returncode != 0
    assert "CONFLICT" in proc.stdout
    text = pledge_text(repo)
    assert "<<<<<<< ours" in text and ">>>>>>> theirs" in text
    result = cli("check", "--dir", str(repo))
    assert result.exit_code == 1
    assert "[conflict-marker]" in result.stdout


@pytest.mark.parametrize(("old", "new", "clean"), [
    # rewording the last line of the entry touches the lines their append follows: conflict
    ("Talks began.", "Talks began in Manila.", False),
    # a change two lines above their append: git's own line merge takes both
    ("date: 2025-11-01", "date: 2025-11-02", True),
])
def test_editing_an_existing_update_falls_back_to_git(
    repo: Path, old: str, new: str, clean: bool
) -> None:
    git(repo, "checkout", "-q", "-b", "theirs")
    update(repo, "-s", "stalled", "--date", "2025-11-10")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    path = repo / "pledges" / "p.yaml"
    path.write_text(pledge_text(repo).replace(old, new))
    git(repo, "commit", "-qam", "ours")
    proc = merge(repo)
    if clean:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        dates = [str(u.date) for u in load_dataset(repo).pledges[0].updates]
        assert dates == ["2025-11-02", "2025-11-10"]
    else:
        assert proc.returncode == 1
        assert "an existing update was changed" in proc.stderr
        assert "<<<<<<< ours" in pledge_text(repo)
        assert load_dataset(repo).problems[0].rule == "conflict-marker"


def test_same_update_on_both_sides_is_kept_once(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "theirs")
    update(repo, "-s", "stalled", "--date", "2025-11-10", "--note", "Same news.")
    update(repo, "-s", "stalled", "--date", "2025-11-12", "--note", "Only theirs.")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    update(repo, "-s", "stalled", "--date", "2025-11-10", "--note", "Same news.")
    git(repo, "commit", "-qam", "ours")
    assert merge(repo).returncode == 0
    notes = [u.note for u in load_dataset(repo).pledges[0].updates]
    assert notes == ["Talks began.", "Same news.", "Only theirs."]


def test_first_updates_on_both_sides_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "pledges").mkdir()
    base = VALID.replace("{id}", "p").replace("\n", "\r\n")
    (tmp_path / "pledges" / "p.yaml").write_bytes(base.encode())
    git(tmp_path, "init", "-q", "-b", "main")
    for key, value in (("user.email", "t@example.org"), ("user.name", "T"),
                       ("core.autocrlf", "false"),
                       ("merge.pledgetrack.driver", f"{SCRIPT} merge-driver %O %A %B")):
        git(tmp_path, "config", key, value)
    (tmp_path / ".gitattributes").write_text("pledges/*.yaml merge=pledgetrack\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "checkout", "-q", "-b", "theirs")
    update(tmp_path, "-s", "stalled", "--date", "2025-11-02")
    git(tmp_path, "commit", "-qam", "theirs")
    git(tmp_path, "checkout", "-q", "main")
    update(tmp_path, "-s", "in_progress", "--date", "2025-11-01")
    git(tmp_path, "commit", "-qam", "ours")
    assert merge(tmp_path).returncode == 0
    raw = (tmp_path / "pledges" / "p.yaml").read_bytes()
    assert raw.startswith(base.encode())
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert [u.status for u in load_dataset(tmp_path).pledges[0].updates] == [
        "in_progress", "stalled"]


# -- the merge by meaning, without git ---------------------------------------------------------

ENTRY = "  - date: {date}\n    status: {status}\n"


def with_updates(*entries: tuple[str, str], text: str = BASE) -> str:
    return text + "".join(ENTRY.format(date=d, status=s) for d, s in entries)


def test_merge_keeps_our_bytes_and_splices_their_entries() -> None:
    ours = with_updates(("2025-11-20", "delivered")).replace("# Reviewed", "# Re-reviewed")
    theirs = with_updates(("2025-11-10", "stalled"), ("2025-11-30", "broken"))
    result = merge_texts(BASE, ours, theirs)
    assert result.text == ours.replace(
        "  - date: 2025-11-20", "  - date: 2025-11-10\n    status: stalled\n  - date: 2025-11-20"
    ) + ENTRY.format(date="2025-11-30", status="broken")


def test_their_entry_keeps_its_own_comments() -> None:
    ours = with_updates(("2025-11-20", "delivered"))
    theirs = BASE + "  # from the ministry's press release\n" + ENTRY.format(
        date="2025-11-25", status="stalled")
    result = merge_texts(BASE, ours, theirs)
    assert result.text == ours + "  # from the ministry's press release\n" + ENTRY.format(
        date="2025-11-25", status="stalled")


@pytest.mark.parametrize(("ours", "theirs", "reason"), [
    (BASE.replace("Talks began.", "Talks started."), with_updates(("2025-11-10", "stalled")),
     "an existing update was changed"),
    (BASE.replace("2025-10-26", "2025-10-25"), BASE.replace("2025-10-26", "2025-10-24"),
     "'announced' was changed differently on both sides"),
    (with_updates(("2025-11-10", "stalled")), "id: [broken", "does not parse"),
])
def test_what_is_not_merged_by_meaning(ours: str, theirs: str, reason: str) -> None:
    result = merge_texts(BASE, ours, theirs)
    assert result.text is None
    assert reason in result.reason


def test_driver_command_exit_codes(tmp_path: Path) -> None:
    files = {name: tmp_path / name for name in ("base", "ours", "theirs")}
    files["base"].write_text(BASE)
    files["ours"].write_text(with_updates(("2025-11-20", "delivered")))
    files["theirs"].write_text(with_updates(("2025-11-10", "stalled")))
    args = [str(files[n]) for n in ("base", "ours", "theirs")]
    proc = subprocess.run([str(SCRIPT), "merge-driver", *args], capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert files["ours"].read_text().count("  - date: ") == 3
    files["ours"].write_text(BASE.replace("in ASEAN", "in Asia"))
    files["theirs"].write_text(BASE.replace("in ASEAN", "in Europe"))
    proc = subprocess.run([str(SCRIPT), "merge-driver", *args], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 1
    assert "conflict" in proc.stderr
    assert "<<<<<<< ours" in files["ours"].read_text()


# -- only added updates are merged by meaning -------------------------------------------------

TITLE = "title: Support cybersecurity human-resource development in ASEAN"


def _commented(repo: Path) -> None:
    """The common ancestor with a comment on the title line."""
    path = repo / "pledges" / "p.yaml"
    path.write_text(pledge_text(repo).replace(TITLE, TITLE + "  # base"), encoding="utf-8")
    git(repo, "commit", "-qam", "comment")


def _edit(repo: Path, old: str, new: str) -> None:
    path = repo / "pledges" / "p.yaml"
    text = pledge_text(repo)
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_comment_changed_on_both_sides_is_a_conflict_as_in_git(repo: Path) -> None:
    """Both sides change the comment on the title line, and each adds an update (theirs with a
    comment line after it): git's own merge conflicts on that line, so the driver does too,
    and nothing is lost."""
    _commented(repo)
    git(repo, "checkout", "-q", "-b", "theirs")
    _edit(repo, "# base", "# THEIRS")
    update(repo, "-s", "stalled", "--date", "2025-11-10", "--note", "Theirs.")
    (repo / "pledges" / "p.yaml").write_text(pledge_text(repo) + "# THEIRS: checked twice\n")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    _edit(repo, "# base", "# OURS")
    update(repo, "-s", "delivered", "--date", "2025-11-20", "--note", "Ours.")
    git(repo, "commit", "-qam", "ours")

    proc = merge(repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "'title' was changed differently on both sides" in proc.stderr
    text = pledge_text(repo)
    assert "<<<<<<< ours" in text and ">>>>>>> theirs" in text
    for kept in ("# OURS", "# THEIRS", "# THEIRS: checked twice", "Theirs.", "Ours."):
        assert kept in text


def test_comments_changed_on_different_lines_are_all_kept(repo: Path) -> None:
    """Ours changes the title's comment; theirs changes the comment above `updates:` and adds a
    comment line after its new entry; both add an update. As git would, every change is kept."""
    _commented(repo)
    git(repo, "checkout", "-q", "-b", "theirs")
    _edit(repo, "# Reviewed by the desk, Nov 2025.", "# Reviewed again, Dec 2025.")
    update(repo, "-s", "stalled", "--date", "2025-11-10", "--note", "Theirs.")
    (repo / "pledges" / "p.yaml").write_text(pledge_text(repo) + "# THEIRS: checked twice\n")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    _edit(repo, "# base", "# OURS")
    update(repo, "-s", "delivered", "--date", "2025-11-20", "--note", "Ours.")
    git(repo, "commit", "-qam", "ours")

    proc = merge(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = pledge_text(repo)
    assert TITLE + "  # OURS\n" in text
    assert "# Reviewed again, Dec 2025.\nupdates:\n" in text
    assert "# Reviewed by the desk" not in text
    assert "# THEIRS: checked twice\n" in text
    pledge = load_dataset(repo).pledges[0]
    assert [u.note for u in pledge.updates] == ["Talks began.", "Theirs.", "Ours."]
    assert load_dataset(repo).problems == []


def test_each_side_keeps_the_entries_it_added(repo: Path) -> None:
    """Ours added update X once, theirs twice (two reports of the same day, written the same):
    X is kept twice, as theirs has it; an entry both added once is kept once."""
    git(repo, "checkout", "-q", "-b", "theirs")
    for _ in range(2):
        update(repo, "-s", "stalled", "--date", "2025-11-10", "--note", "Same words.")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    update(repo, "-s", "stalled", "--date", "2025-11-10", "--note", "Same words.")
    update(repo, "-s", "delivered", "--date", "2025-11-20", "--note", "Ours.")
    git(repo, "commit", "-qam", "ours")

    proc = merge(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    notes = [u.note for u in load_dataset(repo).pledges[0].updates]
    assert notes == ["Talks began.", "Same words.", "Same words.", "Ours."]


def test_a_changed_comment_between_entries_is_merged_as_git_would() -> None:
    """Without git's driver machinery: their change to the comment above `updates:` used to be
    dropped in favour of ours; changed on both sides it is a conflict."""
    ours = with_updates(("2025-11-20", "delivered"))
    theirs = with_updates(("2025-11-10", "stalled")).replace("# Reviewed by", "# Checked by")
    result = merge_texts(BASE, ours, theirs)
    assert result.text == with_updates(("2025-11-10", "stalled"), ("2025-11-20", "delivered")
                                       ).replace("# Reviewed by", "# Checked by")
    result = merge_texts(BASE, ours.replace("# Reviewed by", "# Read by"), theirs)
    assert result.text is None
    assert "'updates' (besides the entries added) was changed differently" in result.reason
