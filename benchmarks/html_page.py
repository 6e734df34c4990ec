"""Open an HTML report in headless Chromium and time it: load, table ready, a filter, a card.

    python benchmarks/generate.py 10000 /tmp/x
    pledgetrack report -o /tmp/page.html --dir /tmp/x
    python benchmarks/html_page.py /tmp/page.html [--runs 3] [--width 1200]

"load" is from navigation to the load event; "ready" until the script has put in the table's rows
(a large table comes packed) and set up sorting and filtering; "filter" is choosing a status
(every row shown or hidden) and back to all; "card" is opening the first pledge's card, which
unpacks the cards on first use. The browser is the one the tests use (tests/headless.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.headless import Browser, find_chromium  # noqa: E402

READY = "document.documentElement.dataset.ready === 'true'"
FILTER = """(() => {
  const s = document.getElementById('filter-status');
  const t = performance.now();
  s.value = s.options[1].value; s.dispatchEvent(new Event('change'));
  s.value = ''; s.dispatchEvent(new Event('change'));
  return performance.now() - t;
})()"""
CARD = """(async () => {
  const t = performance.now();
  const row = document.querySelector('#pledges-table tbody tr[data-id]');
  row.querySelector('a.open').click();
  while (!document.querySelector('#card-' + CSS.escape(row.dataset.id))) {
    await new Promise(r => setTimeout(r, 5));
  }
  return performance.now() - t;
})()"""


def measure(browser: Browser, url: str, width: int) -> dict[str, float]:
    page = browser.new_page(width=width)
    try:
        start = time.perf_counter()
        page.goto(url)
        loaded = time.perf_counter() - start
        while not page.eval(READY):
            time.sleep(0.01)
        ready = time.perf_counter() - start
        filtered = page.eval(FILTER) / 1000
        card = page.eval(CARD) / 1000
        errors = page.errors()
        if errors:
            raise SystemExit(f"errors on the page: {errors}")
        return {"load": loaded, "ready": ready, "filter": filtered, "card": card}
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--width", type=int, default=1200)
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium (set PLEDGETRACK_CHROMIUM)")
    url = args.page.resolve().as_uri()
    with tempfile.TemporaryDirectory() as tmp:
        browser = Browser(chromium, Path(tmp))
        try:
            runs = [measure(browser, url, args.width) for _ in range(args.runs)]
        finally:
            browser.close()
    size = args.page.stat().st_size
    print(f"{args.page}: {size / 1e6:.2f} MB; medians of {args.runs} runs at {args.width} px:")
    for key in ("load", "ready", "filter", "card"):
        values = [r[key] for r in runs]
        print(f"  {key:7} {statistics.median(values):6.2f} s  "
              f"(runs: {', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
