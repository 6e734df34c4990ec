"""A small data root whose report figures are worked out by hand in the tests.

As of 2025-12-31 (``AS_OF``), with ``stale_after_days: 100``:

id            actors       domains         announced   deadline    status on AS_OF      F  O  S
a-delivered   Japan        cyber           2025-01-10  2025-06     delivered 05-20      y  -  -
b-overdue     Japan        maritime        2024-05-01  2025-Q3     in_progress 10-15    -  y  -
c-stale       Japan, Phil  cyber,maritime  2024-01-15              mixed 2024-07        -  -  y
d-unrated     Philippines  diplomacy       2025-11     2025-12-15  not_yet_rated        -  y  -
e-future      Japan        cyber           2026-02-01              (announced later)
f-old         Japan        cyber           2023                    in_progress 2023-05  -  -  y
g-withdrawn   Japan, Phil  maritime        2024-02-02              withdrawn 2024-09    y  -  -
h-unrateable  Japan        diplomacy       2025-06-30              unrateable 07-01     y  -  -

(F final, O overdue, S stale; "Phil" is Philippines.)

c-stale is assessed party by party (its updates name parties): Japan stalled, Philippines in
progress, so it is mixed as a whole (joint_status: unanimous, the default). f-old turns broken
on 2026-01-10, after AS_OF. zz-broken.yaml has two errors.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

AS_OF = dt.date(2025, 12, 31)
AS_OF_TEXT = "2025-12-31"

CONFIG = """\
stale_after_days: 100
domains:
  cyber: Cyber
  maritime: Maritime
  diplomacy: Diplomacy
"""

SRC = ("sources:\n  - url: https://example.org/{id}\n    title: Source of {id}\n"
       "    publisher: Example\n")

PLEDGES = {
    "a-delivered": """\
id: a-delivered
title: Cyber training for ASEAN
actors: [Japan]
recipients: [ASEAN]
domains: [cyber]
tags: [t1]
announced: 2025-01-10
deadline: 2025-06
{src}updates:
  - date: 2025-03-01
    status: in_progress
  - date: 2025-05-20
    status: delivered
    note: Programme started.
""",
    "b-overdue": """\
id: b-overdue
title: Coast guard boats
actors: [Japan]
domains: [maritime]
announced: 2024-05-01
deadline: 2025-Q3
summary: Harbour patrol boats for the coast guard.
{src}updates:
  - date: 2025-10-15
    status: in_progress
""",
    "c-stale": """\
id: c-stale
title: Joint cyber and maritime centre
actors: [Japan, Philippines]
domains: [cyber, maritime]
announced: 2024-01-15
{src}updates:
  - date: 2024-06-01
    status: stalled
    party: Japan
  - date: 2024-07
    status: in_progress
    party: Philippines
""",
    "d-unrated": """\
id: d-unrated
title: Diplomatic dialogue
actors: [Philippines]
recipients: [Japan]
domains: [diplomacy]
tags: [t1, t2]
announced: 2025-11
deadline: 2025-12-15
{src}""",
    "e-future": """\
id: e-future
title: A pledge made in 2026
actors: [Japan]
domains: [cyber]
announced: 2026-02-01
{src}""",
    "f-old": """\
id: f-old
title: Old cyber pledge
actors: [Japan]
domains: [cyber]
announced: 2023
{src}updates:
  - date: 2023-05-01
    status: in_progress
    note: Talks on the HARBOUR network began.
  - date: 2026-01-10
    status: broken
""",
    "g-withdrawn": """\
id: g-withdrawn
title: Maritime exercise programme
actors: [Japan, Philippines]
domains: [maritime]
tags: [t2]
announced: 2024-02-02
{src}updates:
  - date: 2024-09
    status: withdrawn
""",
    "h-unrateable": """\
id: h-unrateable
title: Vague statement on diplomacy
actors: [Japan]
domains: [diplomacy]
announced: 2025-06-30
{src}updates:
  - date: 2025-07-01
    status: unrateable
""",
}

# Two errors: no title, and a month that does not exist.
BROKEN = """\
id: zz-broken
actors: [Japan]
domains: [cyber]
announced: 2025-13-01
sources:
  - url: https://example.org/zz
"""

ALL_IDS = ["a-delivered", "b-overdue", "c-stale", "d-unrated", "f-old", "g-withdrawn",
           "h-unrateable"]  # as of AS_OF (e-future is not announced yet)


def make_root(tmp_path: Path, *, broken: bool = True) -> Path:
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    (root / "pledgetrack.yaml").write_text(CONFIG, encoding="utf-8")
    for pledge_id, text in PLEDGES.items():
        (root / "pledges" / f"{pledge_id}.yaml").write_text(
            text.format(src=SRC.format(id=pledge_id)), encoding="utf-8")
    if broken:
        (root / "pledges" / "zz-broken.yaml").write_text(BROKEN, encoding="utf-8")
    return root
