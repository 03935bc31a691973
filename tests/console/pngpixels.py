"""Read pixels of a PNG screenshot (8-bit RGB/RGBA, non-interlaced) with zlib only,
and the colour of each node of the console's graph."""

from __future__ import annotations

import struct
import zlib
from typing import Any


class Png:
    def __init__(self, data: bytes) -> None:
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError("not a PNG")
        pos, idat = 8, b""
        while pos < len(data):
            length, kind = struct.unpack(">I4s", data[pos : pos + 8])
            chunk = data[pos + 8 : pos + 8 + length]
            if kind == b"IHDR":
                self.width, self.height, depth, colour, _, _, interlace = struct.unpack(
                    ">IIBBBBB", chunk
                )
                if depth != 8 or colour not in (2, 6) or interlace:
                    raise ValueError(f"unsupported PNG: depth {depth} colour {colour}")
                self.channels = 3 if colour == 2 else 4
            elif kind == b"IDAT":
                idat += chunk
            pos += 12 + length
        raw = zlib.decompress(idat)
        stride = self.width * self.channels
        rows: list[bytearray] = []
        prev = bytearray(stride)
        for y in range(self.height):
            start = y * (stride + 1)
            kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
            bpp = self.channels
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                if kind == 1:
                    line[i] = (line[i] + a) & 0xFF
                elif kind == 2:
                    line[i] = (line[i] + b) & 0xFF
                elif kind == 3:
                    line[i] = (line[i] + (a + b) // 2) & 0xFF
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    line[i] = (line[i] + pred) & 0xFF
            rows.append(line)
            prev = line
        self.rows = rows

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        row, i = self.rows[y], x * self.channels
        return row[i], row[i + 1], row[i + 2]


def close(colour: tuple[int, int, int], hex_colour: str, tolerance: int = 24) -> bool:
    want = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(colour, want, strict=True))


_NODE_BOXES = """() => {
  const graph = document.querySelector('#graph').getBoundingClientRect();
  return Array.from(document.querySelectorAll('#graph g.node')).map((n) => {
    const r = n.getBoundingClientRect();
    return {name: n.dataset.nodeName, type: n.classList.contains('TRIGGER') ? 'TRIGGER' : 'JOB',
            x: r.x - graph.x, y: r.y - graph.y, height: r.height};
  });
}"""


def node_colours(page: Any, *, prefix: str = "", jobs_only: bool = False) -> dict[str, Any]:
    """Pixel colour inside each node's box (left of its centred label), from a screenshot.

    Boxes come from one script call: the live page redraws the graph every second, so
    element handles may go stale between calls; positions stay the same.
    """
    boxes = page.evaluate(_NODE_BOXES)
    png = Png(page.locator("#graph").screenshot())
    return {
        box["name"].removeprefix(prefix): png.pixel(
            int(box["x"] + 8), int(box["y"] + box["height"] / 2)
        )
        for box in boxes
        if not jobs_only or box["type"] == "JOB"
    }
