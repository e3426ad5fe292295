"""Draw the app's images (assets/logo.png 320², logo-small.png 128², screenshot-0.png 1024×768) as plain PNGs
with zlib and struct only. Run it from anywhere: `python zendesk_app/make_images.py`. Not packaged."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

Colour = tuple[int, int, int]
INK, PAPER, ACCENT, MUTED = (31, 73, 125), (255, 255, 255), (242, 153, 74), (225, 231, 240)


def png(width: int, height: int, pixel: Callable[[int, int], Colour]) -> bytes:
    """An RGB PNG whose pixel (x, y) has colour `pixel(x, y)`."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(
        b"IEND", b"")


def logo(size: int) -> Callable[[int, int], Colour]:
    """A white bridge arch over an orange deck on a blue square."""
    def pixel(x: int, y: int) -> Colour:
        u, v = x / size, y / size
        distance = ((u - 0.5) ** 2 + (v - 0.72) ** 2) ** 0.5
        if 0.62 <= v <= 0.68 and 0.12 <= u <= 0.88:
            return ACCENT
        if v < 0.72 and 0.30 <= distance <= 0.38:
            return PAPER
        return INK
    return pixel


def screenshot(x: int, y: int) -> Colour:
    """A ticket page with the Wishbridge sidebar on the right."""
    if x >= 704:
        if y < 56:
            return INK
        lines = ((80, 96, 960), (112, 124, 900), (140, 152, 940))
        if any(top <= y < bottom and x < right for top, bottom, right in lines):
            return MUTED
        if 180 <= y < 212 and 724 <= x < 884:
            return ACCENT
        return PAPER
    if y < 56:
        return (60, 60, 60)
    return (246, 247, 249) if (y // 90) % 2 else PAPER


def main() -> None:
    assets = Path(__file__).with_name("assets")
    assets.mkdir(exist_ok=True)
    (assets / "logo.png").write_bytes(png(320, 320, logo(320)))
    (assets / "logo-small.png").write_bytes(png(128, 128, logo(128)))
    (assets / "screenshot-0.png").write_bytes(png(1024, 768, screenshot))


if __name__ == "__main__":
    main()
