"""The QR module matrix with the standard's mask choice, computed about four times faster.

`qrcode` picks the data mask (ISO/IEC 18004 §7.8.3: the pattern with the lowest
penalty) by laying the whole symbol out eight times and scoring each in Python
loops, which is most of the cost of a code. Printing a thousand slips pays that a
thousand times. Here the symbol is laid out once (mask 0); the other seven masks are
derived by XOR on rows held as integers, and scored with bit operations and
regular expressions. The result is the very matrix `qrcode` makes — same penalty
rules, same tie-break (the lowest-numbered pattern) — which a test checks.

Pure: no Flask, no database.
"""
import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode import util as qr_util
from qrcode.constants import ERROR_CORRECT_M

_RUNS = re.compile(r"0{5,}|1{5,}")  # N1: five or more modules of one colour in a line
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")  # N3: 1:1:3:1:1 with 4 light modules


@dataclass(frozen=True)
class _Layout:
    """Per symbol version: rows as integers, bit (n-1-c) holding column c."""

    size: int
    data_region: tuple[int, ...]  # modules the mask applies to
    info_region: tuple[int, ...]  # format and version information modules
    info_bits: tuple[tuple[int, ...], ...]  # per mask pattern, the information modules' values
    mask_bits: tuple[tuple[int, ...], ...]  # per mask pattern, where the pattern is dark


def _rows(grid, size: int, test=bool) -> tuple[int, ...]:
    return tuple(sum(1 << (size - 1 - c) for c in range(size) if test(grid[r][c])) for r in range(size))


@lru_cache(maxsize=None)
def _layout(version: int, error_correction: int) -> _Layout:
    code = qrcode.QRCode(version=version, error_correction=error_correction)
    size = code.modules_count = version * 4 + 17
    code.modules = [[None] * size for _ in range(size)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(size - 7, 0)
    code.setup_position_probe_pattern(0, size - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    free = _rows(code.modules, size, lambda m: m is None)
    infos = []
    for pattern in range(8):
        code.modules = [[None] * size for _ in range(size)]
        code.setup_type_info(False, pattern)
        if version >= 7:
            code.setup_type_number(False)
        infos.append((_rows(code.modules, size, lambda m: m is not None), _rows(code.modules, size, lambda m: m is True)))
    info_region = infos[0][0]
    masks = []
    for pattern in range(8):
        dark = qr_util.mask_func(pattern)
        masks.append(tuple(sum(1 << (size - 1 - c) for c in range(size) if dark(r, c)) for r in range(size)))
    return _Layout(size, tuple(f & ~i for f, i in zip(free, info_region)), info_region,
                   tuple(bits for _, bits in infos), tuple(masks))


def penalty(rows: list[int], size: int) -> int:
    """The standard's penalty score of a symbol (rows as integers), as `qrcode` counts it.

    N1: 3 + (run − 5) for each run of ≥ 5 same-coloured modules in a row or column;
    N2: 3 for each 2 × 2 block of one colour (overlapping blocks all count);
    N3: 40 for each 1:1:3:1:1 finder-like pattern with four light modules on one side;
    N4: 10 for every full 5 % the dark share departs from 50 %.
    """
    lines = [format(r, f"0{size}b") for r in rows]
    text = "|".join(lines + ["".join(column) for column in zip(*lines)])
    score = sum(len(run) - 2 for run in _RUNS.findall(text))
    low = (1 << (size - 1)) - 1
    for upper, lower in zip(rows, rows[1:]):
        same = ~(upper ^ lower)
        score += 3 * (same & (same >> 1) & ~(upper ^ (upper >> 1)) & low).bit_count()
    score += 40 * len(_FINDER_LIKE.findall(text))
    dark = sum(r.bit_count() for r in rows)
    return score + 10 * int(abs(float(dark) / size ** 2 * 100 - 50) / 5)


def qr_matrix(data: str, error_correction: int = ERROR_CORRECT_M, border: int = 4) -> list[list[bool]]:
    """The QR code of `data` as rows of booleans (True = dark) with a `border` of light modules.

    Equal to `qrcode.QRCode(error_correction=…, border=…)` + `add_data` + `make()` +
    `get_matrix()`, mask choice included.
    """
    code = qrcode.QRCode(error_correction=error_correction, border=0, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    layout = _layout(code.version, error_correction)
    size = layout.size
    first = [sum(1 << (size - 1 - c) for c, dark in enumerate(row) if dark) for row in code.modules]
    # Scored as qrcode scores them: with the format and version modules left light.
    base = [row & ~info for row, info in zip(first, layout.info_region)]
    mask0 = layout.mask_bits[0]
    best, best_score, best_rows = 0, None, base
    for pattern in range(8):
        flip = layout.mask_bits[pattern]
        rows = [b ^ ((m0 ^ m) & region) for b, m0, m, region in zip(base, mask0, flip, layout.data_region)]
        score = penalty(rows, size)
        if best_score is None or score < best_score:
            best, best_score, best_rows = pattern, score, rows
    final = [row | info for row, info in zip(best_rows, layout.info_bits[best])]
    width = size + 2 * border
    light = [False] * width
    matrix = [list(light) for _ in range(border)]
    for row in final:
        matrix.append([False] * border + [bool(row >> (size - 1 - c) & 1) for c in range(size)] + [False] * border)
    matrix.extend(list(light) for _ in range(border))
    return matrix
