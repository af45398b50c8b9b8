"""Draw the tab bar's icons (81 x 81 PNG, grey and the city's red when selected): our own, so
no icon font or CDN is needed. Run `python3 images/make_icons.py` from miniprogram_stub/."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

SIZE = 81
GREY, RED = (89, 89, 89), (200, 22, 29)


def png(pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    raw = b"".join(b"\x00" + b"".join(bytes(p) for p in row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def home(x: float, y: float) -> bool:  # a roof and a house with a door
    roof = (
        y >= 12 and y <= 40 and abs(x - 40) <= (y - 12) * 1.1 and abs(x - 40) >= (y - 12) * 1.1 - 7
    )
    walls = 36 <= y <= 68 and 18 <= x <= 62 and not (28 <= y <= 64 and 22 <= x <= 58)
    door = 48 <= y <= 68 and 34 <= x <= 46
    return roof or walls or door


def policy(x: float, y: float) -> bool:  # a page with lines of text
    border = 14 <= x <= 66 and 8 <= y <= 72 and not (18 <= x <= 62 and 12 <= y <= 68)
    lines = 24 <= x <= 56 and any(abs(y - row) <= 2 for row in (24, 36, 48, 58))
    return border or lines


def message(x: float, y: float) -> bool:  # a speech bubble with three dots
    inside = ((x - 40) / 30) ** 2 + ((y - 36) / 22) ** 2
    ring = 0.72 <= inside <= 1.0
    tail = 56 <= y <= 70 and 22 <= x <= 34 and (x - 22) <= (70 - y)
    dots = any(math.hypot(x - cx, y - 36) <= 4 for cx in (28, 40, 52))
    return ring or tail or dots


def me(x: float, y: float) -> bool:  # a head and shoulders
    head = math.hypot(x - 40, y - 26) <= 13
    body = y >= 46 and ((x - 40) / 28) ** 2 + ((y - 72) / 26) ** 2 <= 1 and y <= 72
    return head or body


def draw(shape, colour: tuple[int, int, int]) -> bytes:
    pixels = []
    for row in range(SIZE):
        line = []
        for col in range(SIZE):
            # 4 samples a pixel: smooth edges
            hits = sum(shape(col + dx, row + dy) for dx in (0.25, 0.75) for dy in (0.25, 0.75))
            line.append((*colour, int(255 * hits / 4)))
        pixels.append(line)
    return png(pixels)


if __name__ == "__main__":
    here = Path(__file__).parent
    for name, shape in (("home", home), ("policy", policy), ("message", message), ("me", me)):
        (here / f"tab-{name}.png").write_bytes(draw(shape, GREY))
        (here / f"tab-{name}-on.png").write_bytes(draw(shape, RED))
