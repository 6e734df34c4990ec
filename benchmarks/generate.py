"""Generate a synthetic data folder of N pledges for benchmarks.

    python benchmarks/generate.py 10000 /tmp/pledges-10k

Files are of realistic size and shape (about 2-4 KB each): 2-6 updates per pledge, several sources,
several parties on about a third of the pledges (updates then name a party), and text in English,
Japanese, Thai and Vietnamese. The output is deterministic for a given N and --seed. About one
pledge in 200 carries an unknown field, so that `check` has warnings to print; there are no errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

ACTORS = [
    "Japan", "Philippines", "Viet Nam", "Thailand", "Indonesia", "Malaysia", "Australia",
    "United Kingdom", "ASEAN", "India", "Republic of Korea", "Singapore",
]
DOMAINS = {
    "cyber": "Cybersecurity capacity building, cyber defence and resilience",
    "ai": "Artificial intelligence and AI governance",
    "maritime": "Maritime security and coast guard capacity",
    "defence-technology": "Defence technology and equipment cooperation",
    "intelligence": "Intelligence gathering and sharing",
    "diplomacy": "Foreign-policy frameworks and diplomatic positioning",
    "energy": "Energy transition and infrastructure",
    "health": "Public health cooperation",
}
STATUS_FLOW = ["in_progress", "in_progress", "stalled", "in_progress", "partial", "delivered",
               "broken"]
PUBLISHERS = ["Kyodo", "NHK World", "Bernama", "Manila Bulletin", "VnExpress", "Bangkok Post",
              "The Japan Times", "Nikkei Asia", "Reuters", "Jakarta Post", "ABC News"]
TITLES = [
    "Support cybersecurity human-resource development in {r}",
    "Provide patrol vessels to the coast guard of {r}",
    "Joint framework for trustworthy AI with {r}",
    "Expand Official Security Assistance to {r}",
    "Intelligence-sharing arrangement with {r}",
    "Reciprocal Access Agreement with {r}",
    "Co-development of radar and surveillance systems with {r}",
    "Capacity building for maritime disaster response in {r}",
]
# Non-ASCII text as it appears in real pledges and notes: quotes in the original language.
QUOTES = [
    "ASEANとの安全保障協力を一層強化し、サイバー分野の人材育成を支援する。",
    "日本は信頼できるAIの共創イニシアティブを推進します。",
    "ญี่ปุ่นจะสนับสนุนการพัฒนาขีดความสามารถด้านความมั่นคงทางทะเลของอาเซียน",
    "Nhật Bản cam kết hỗ trợ Việt Nam nâng cao năng lực an ninh hàng hải và phòng thủ mạng.",
    "We will judge Tokyo not by speeches but by follow-through.",
    "Hợp tác quốc phòng giữa hai nước sẽ được mở rộng trong khuôn khổ OSA.",
    "海上保安能力の向上のため、巡視船を供与する方針を表明した。",
    "ความร่วมมือด้านปัญญาประดิษฐ์ที่เชื่อถือได้ระหว่างญี่ปุ่นและไทย",
]
NOTES = [
    "The ministry announced the first training course, with {n} participants from {r}.",
    "Funding of ¥{n} million was approved in the supplementary budget (reported by {p}).",
    "Talks were postponed; no date has been set for the next round.",
    "A memorandum of cooperation was signed in Hanoi — ký kết biên bản ghi nhớ hợp tác.",
    "The first vessel was handed over at a ceremony attended by both ministers. 引渡し式が行われた。",
    "The programme was extended for a second year; การฝึกอบรมรุ่นที่สองเริ่มแล้ว.",
    "No follow-up has been reported since the summit; the pledge is not mentioned in the budget.",
    "Parliament ratified the agreement after a debate of {n} hours.",
]
SUMMARY = (
    "At the {k}th summit in {c}, the leaders agreed that {a} would {v} {r}. The joint statement "
    "lists this among {n} areas of cooperation, together with maritime security, cyber defence and "
    "AI governance; commentators noted that similar pledges had been made before without "
    "follow-through. 首脳会談の共同声明による。"
)
CRITERIA = (
    "Delivered when the programme is running and reported by a primary source (named projects, "
    "budgets or participant numbers). Partial if only statements of intent follow, or if it reaches "
    "only some recipients. Broken if nothing follows within about three years or it is dropped."
)
CITIES = ["Kuala Lumpur", "Hanoi", "Manila", "Bangkok", "Jakarta", "Tokyo", "Vientiane", "Canberra"]


def _slug(number: int) -> str:
    return f"pledge-{number:06d}"


def _date(rng: random.Random, start: dt.date, max_days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max_days))


def _source(rng: random.Random, when: dt.date, indent: str) -> str:
    publisher = rng.choice(PUBLISHERS)
    host = publisher.lower().replace(" ", "")
    lines = [
        f"{indent}- url: https://www.{host}.example/news/{when:%Y/%m/%d}/{rng.randint(1000, 99999)}",
        f"{indent}  publisher: {publisher}",
        f"{indent}  published: {when.isoformat()}",
    ]
    if rng.random() < 0.4:
        lines.append(f"{indent}  title: \"{rng.choice(TITLES).format(r='ASEAN')}\"")
    if rng.random() < 0.3:
        lines.append(f"{indent}  archived: https://web.archive.org/web/{when:%Y%m%d}/{host}")
    return "\n".join(lines)


def pledge_text(number: int, rng: random.Random, *, warning: bool = False) -> str:
    multi = rng.random() < 0.33
    actors = rng.sample(ACTORS[:8], 2 if multi else 1)
    recipient = rng.choice([*ACTORS[8:], "ASEAN member states"])
    domains = rng.sample(sorted(DOMAINS), rng.choice((1, 1, 2)))
    announced = _date(rng, dt.date(2022, 1, 1), 1000)
    title = rng.choice(TITLES).format(r=recipient)
    out = [
        f"id: {_slug(number)}",
        f"title: {title} (No. {number})",
        "actors:", *(f"  - {a}" for a in actors),
        "recipients:", f"  - {recipient}",
        "domains:", *(f"  - {d}" for d in domains),
        f"made_by: Prime Minister of {actors[0]}",
        f"announced: {announced.isoformat()}",
    ]
    if rng.random() < 0.5:
        out.append(f"deadline: {announced.year + rng.randint(1, 4)}-Q{rng.randint(1, 4)}")
    out.append("summary: " + SUMMARY.format(
        k=rng.randint(20, 48), c=rng.choice(CITIES), a=" and ".join(actors),
        v="support", r=recipient, n=rng.randint(3, 9)))
    out.append(f"quote: \"{rng.choice(QUOTES)}\"")
    out.append("criteria: " + CRITERIA)
    out += ["tags:", "  - summit-2025", f"  - {domains[0]}-cooperation"]
    out.append("sources:")
    for _ in range(rng.randint(2, 4)):
        out.append(_source(rng, announced + dt.timedelta(days=rng.randint(0, 3)), "  "))
    if warning:
        out.append("reviewer: unknown field, reported as a warning")
    out.append("updates:")
    when = announced
    for step in range(rng.randint(2, 6)):
        when = when + dt.timedelta(days=rng.randint(20, 200))
        out.append(f"  - date: {when.isoformat()}")
        out.append(f"    status: {STATUS_FLOW[min(step, len(STATUS_FLOW) - 1)]}")
        if multi and rng.random() < 0.7:
            out.append(f"    party: {rng.choice(actors)}")
        note = rng.choice(NOTES).format(n=rng.randint(2, 900), r=recipient, p=rng.choice(PUBLISHERS))
        out.append(f"    note: \"{note}\"")
        out.append("    sources:")
        for _ in range(rng.randint(1, 2)):
            out.append(_source(rng, when, "      "))
    return "\n".join(out) + "\n"


CONFIG = """\
# Synthetic benchmark data (benchmarks/generate.py)
stale_after_days: 180
require_update_sources: true
domains:
{domains}
"""


def generate(count: int, folder: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    pledges = folder / "pledges"
    pledges.mkdir(parents=True, exist_ok=True)
    (folder / "pledgetrack.yaml").write_text(
        CONFIG.format(domains="\n".join(f"  {k}: {v}" for k, v in DOMAINS.items())),
        encoding="utf-8",
    )
    for number in range(1, count + 1):
        text = pledge_text(number, rng, warning=number % 200 == 0)
        (pledges / f"{_slug(number)}.yaml").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of pledges")
    parser.add_argument("folder", type=Path, help="data folder to create (pledges/ goes inside)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if (args.folder / "pledges").exists() and any((args.folder / "pledges").iterdir()):
        parser.error(f"{args.folder}/pledges already has files")
    generate(args.count, args.folder, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
