"""Slips benchmark: per-slip cost of the printable A4 PDF against qrcode making one PNG, in one run.

  floor  qrcode.make(url).save(PNG) for one household (the library on its own, default settings)
  slips  deriving N links + voting.ballots.qr_slips.slips_pdf(N slips) (vector QR, embedded CJK font), ÷ N

Prints both per item and their ratio (slips ÷ floor). Target: ratio ≤ 1 at 1,000 households.

  .venv/bin/python bench/bench_slips.py [--households 1000] [--repeat 3]
"""
import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qrcode  # noqa: E402

from voting.ballots.ballot_tokens import derive_link_key, link_token, link_url  # noqa: E402
from voting.ballots.qr_slips import Slip, slips_pdf  # noqa: E402
from voting.pdf_fonts import find_font  # noqa: E402

BASE_URL = "https://vote.gongshu.example.cn"


def urls(count: int, round_id: int) -> list[str]:
    key = derive_link_key("bench-secret")
    return [link_url(BASE_URL, link_token(key, round_id, household, 1)) for household in range(1, count + 1)]


def floor_per_png(links: list[str]) -> float:
    start = time.perf_counter()
    for url in links:
        out = io.BytesIO()
        qrcode.make(url).save(out)
    return (time.perf_counter() - start) / len(links)


def slips_per_slip(count: int, round_id: int, font: str) -> tuple[float, int]:
    start = time.perf_counter()
    slips = [Slip("和睦新村", f"{1 + i // 24}-{1 + i // 12 % 2}-{101 + i % 12}", "第一次征询：改造意愿",
                  "2026-10-08 18:00", url, "您是否同意和睦新村实施老旧小区综合改造？", ("社区电话：0571-88001234",))
             for i, url in enumerate(urls(count, round_id))]
    pdf = slips_pdf(slips, font)
    return (time.perf_counter() - start) / count, len(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs for each measurement")
    args = parser.parse_args()
    font = find_font()
    slips_pdf([], font)  # register the font once, as a running server would have
    floor = min(floor_per_png(urls(min(args.households, 300), round_id=run)) for run in range(args.repeat))
    runs = [slips_per_slip(args.households, round_id=100 + run, font=font) for run in range(args.repeat)]
    per_slip, size = min(runs)
    print(f"floor  qrcode PNG, one household      {floor * 1000:7.3f} ms per PNG")
    print(f"slips  A4 PDF, {args.households} households       {per_slip * 1000:7.3f} ms per slip"
          f"  ({size / 1024:.0f} KiB, {-(-args.households // 8)} pages)")
    print(f"ratio  slips / floor                  {per_slip / floor:7.2f}  (target ≤ 1)")


if __name__ == "__main__":
    main()
