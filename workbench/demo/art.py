"""Procedural demo art: recognisable pictures and clips for a demo gallery, made from a seed.

The demo seeder renders hundreds of these, so everything here is drawn with plain Pillow
polygons and ellipses (no blur, no per-pixel Python) to stay within a few milliseconds per
image. Every random choice comes from ``random.Random(spec.seed)`` and none depends on the
animation time, so a spec always gives the same bytes and video frames only move, never
re-roll. The label is drawn big on every picture so a person can tell items apart at a glance.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import os
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeAlias

    from PIL import Image, ImageFont

    _Font: TypeAlias = ImageFont.FreeTypeFont | ImageFont.ImageFont

__all__ = ["MOTIFS", "PALETTES", "ArtSpec", "render_image", "render_jpeg", "render_video"]

RGB = tuple[int, int, int]

MOTIFS: tuple[str, ...] = tuple(
    ["mountains", "sunset-sea", "city", "forest", "planets", "waves", "desert", "aurora"]
)


def _palette(hexes: str) -> tuple[RGB, ...]:
    return tuple((int(h[:2], 16), int(h[2:4], 16), int(h[4:], 16)) for h in hexes.split())


# Each palette: sky top, sky bottom, sun/moon, far layer, middle layer, near layer, accent.
PALETTES: tuple[tuple[RGB, ...], ...] = tuple(
    _palette(p)
    for p in (
        "261c56 fa805c ffdd8c 965078 5c2e60 28163a ffc46e",  # ember dusk
        "7aa8e2 ffccbc fff6de a0a4ce 7070a8 424070 ffe296",  # pastel dawn
        "0a0c28 521c6e ece8ff 38286e 201848 0c0a22 00f0d2",  # neon night
        "96cde8 eef0ce fffade 80aa96 407458 1a3e2c face5c",  # forest morning
        "5496d6 fadeb0 fffcec e2a876 cc7c4a 944e30 609446",  # desert noon
        "122e58 76c4d0 ecfaff a0c2d8 648cb0 304e70 78ffba",  # arctic teal
        "ece6d8 cec6b6 d24034 9c9894 605e64 28282e d24034",  # ink and vermilion
        "2882c8 a0e8ec fff8d2 3ca0aa 18748c 0a4660 ff8c78",  # tropical lagoon
        "6054a0 ecb0ce ffecd2 a880b4 765694 422e62 ffc8e6",  # lavender haze
        "466096 f6c478 ffecb4 be6e46 8c3c28 461e1a ffaa3c",  # autumn gold
    )
)

# Motifs set at night darken the palette's sky by this much so stars and lights read.
_NIGHT = {"planets": 0.85, "aurora": 0.7, "city": 0.35}
_BLACK: RGB = (6, 6, 18)
_WHITE: RGB = (255, 255, 255)


@dataclass(frozen=True)
class ArtSpec:
    """Everything a picture depends on; equal specs give byte-identical renders."""

    seed: int
    title: str
    label: str
    motif: str
    palette: int
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.motif not in MOTIFS:
            raise ValueError(f"unknown motif {self.motif!r}; expected one of {MOTIFS}")
        if not 0 <= self.palette < len(PALETTES):
            raise ValueError(f"palette must be in 0..{len(PALETTES) - 1}, got {self.palette}")
        if self.width < 16 or self.height < 16:
            raise ValueError(f"art must be at least 16x16, got {self.width}x{self.height}")


def _mix(a: RGB, b: RGB, f: float) -> RGB:
    r, g, b_ = (round(x + (y - x) * f) for x, y in zip(a, b, strict=True))
    return r, g, b_


class _Canvas:
    """The state every motif painter shares, so painters stay short."""

    def __init__(self, img: Image.Image, spec: ArtSpec, t: float) -> None:
        from PIL import ImageDraw

        pal = PALETTES[spec.palette]
        night = _NIGHT.get(spec.motif, 0.0)
        self.top, self.bottom = _mix(pal[0], _BLACK, night), _mix(pal[1], _BLACK, night * 0.8)
        self.img, self.draw = img, ImageDraw.Draw(img, "RGBA")  # RGBA: translucent fills blend
        self.rng = random.Random(spec.seed)
        self.pal, self.w, self.h, self.t = pal, spec.width, spec.height, t

    def rx(self, lo: float, hi: float) -> float:
        """A random x between fractions ``lo`` and ``hi`` of the width."""
        return self.rng.uniform(lo, hi) * self.w

    def ry(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi) * self.h

    def sky(self, y: float) -> RGB:
        return _mix(self.top, self.bottom, min(1.0, max(0.0, y / self.h)))

    def gradient(self, box: tuple[int, int, int, int], top: RGB, bottom: RGB) -> None:
        """Fill ``box`` with a vertical gradient: 64 steps stretched bilinearly look smooth."""
        from PIL import Image

        column = Image.new("RGB", (1, 64))
        column.putdata([_mix(top, bottom, i / 63) for i in range(64)])
        size = (box[2] - box[0], box[3] - box[1])
        self.img.paste(column.resize(size, Image.Resampling.BILINEAR), box[:2])

    def layer(self, f: float) -> RGB:
        """Colour of a layer at depth ``f`` (0 far, 1 near), fading far layers into the haze."""
        far = _mix(self.pal[3], self.bottom, 0.3)
        if f < 0.5:
            return _mix(far, self.pal[4], f * 2)
        return _mix(self.pal[4], self.pal[5], f * 2 - 1)

    def disc(self, cx: float, cy: float, r: float, fill: tuple[int, ...]) -> None:
        self.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)

    def sun(self, cx: float, cy: float, r: float, *, moon: bool = False) -> None:
        for k in (3, 2, 1):  # a halo from stacked translucent discs: a blur would cost 10x
            self.disc(cx, cy, r * (1 + 0.5 * k), (*self.pal[2], 26))
        self.disc(cx, cy, r, self.pal[2])
        if moon:
            self.disc(cx + r * 0.45, cy - r * 0.45, r, self.sky(cy))

    def ridge(self, base: float, amp: float, col: RGB, *, sharp: bool, shift: float = 0.0) -> None:
        """A skyline from summed sines (abs'd for peaks); ``shift`` slides it for parallax."""
        octaves = [
            (self.rng.uniform(1, 2.2) * 1.9**i, self.rng.uniform(0, 7), 0.5**i) for i in range(4)
        ]
        step = max(2, self.w // 64)
        pts = [(0.0, float(self.h))]
        for x in range(0, self.w + step, step):
            u = (x + shift) / self.w * math.tau
            if sharp:
                v = sum(wt * (1 - 2 * abs(math.sin(f * u / 2 + ph))) for f, ph, wt in octaves)
            else:
                v = sum(wt * math.sin(f * u + ph) for f, ph, wt in octaves)
            pts.append((float(x), base - amp * v / 1.9))
        pts.append((float(self.w), float(self.h)))
        self.draw.polygon(pts, fill=col)

    def stars(self, n: int, y_max: float) -> None:
        pts = [(self.rx(0, 1), self.rng.uniform(0, y_max)) for _ in range(n)]
        self.draw.point(pts[: n // 3], fill=_WHITE)
        self.draw.point(pts[n // 3 :], fill=(*_WHITE, 110))

    def birds(self, n: int) -> None:
        width = max(1, self.h // 220)
        for _ in range(n):
            x, y = self.rx(0, 1) + self.t * self.w * 0.1, self.ry(0.12, 0.4)
            s = self.rx(0.008, 0.018)
            self.draw.line([(x - s, y - s / 2), (x, y), (x + s, y - s / 2)], self.pal[5], width)


def _mountains(c: _Canvas) -> None:
    c.sun(c.rx(0.2, 0.8), (0.42 - 0.12 * c.t) * c.h, c.ry(0.06, 0.1))
    for i in range(4):
        base, amp = c.h * (0.42 + 0.11 * i), c.h * (0.2 - 0.03 * i)
        c.ridge(base, amp, c.layer(i / 3), sharp=i < 3, shift=c.t * c.w * 0.05 * (i + 1))
    c.birds(c.rng.randint(2, 5))


def _sunset_sea(c: _Canvas) -> None:
    hy, r, sx = round(c.h * 0.58), c.ry(0.08, 0.13), c.rx(0.3, 0.7)
    c.sun(sx, hy - r * (0.1 + 0.9 * c.t), r)
    c.gradient((0, hy, c.w, c.h), _mix(c.bottom, c.pal[4], 0.45), c.pal[5])
    for _ in range(c.rng.randint(1, 3)):  # islands on the horizon
        x0, iw, ih = c.rx(-0.1, 0.9), c.rx(0.1, 0.3), c.h * 0.05
        pts = [(x0 + iw * k / 12, hy - ih * math.sin(math.pi * k / 12) ** 0.6) for k in range(13)]
        c.draw.polygon(pts, fill=c.layer(0.6))
    for _ in range(c.w // 8):  # glints on the swell, drifting toward the viewer
        y = hy + (c.rng.random() + c.t * 0.15) % 1 * (c.h - hy)
        x, half = c.rx(0, 1), (y - hy) / (c.h - hy) * c.w * 0.02 + 1
        c.draw.line([(x - half, y), (x + half, y)], fill=(*c.pal[2], 70))
    bar = max(1, c.h // 120)
    for k in range(14):  # the sun's glitter path, shimmering with time
        y = hy + 2 + k * (c.h - hy) / 14
        half = r * (1.1 - k * 0.05) * (0.6 + 0.4 * math.sin(c.rng.uniform(0, 6) + c.t * 6 + k))
        c.draw.rectangle((sx - half, y, sx + half, y + bar), fill=(*c.pal[2], 220 - k * 10))
    c.birds(c.rng.randint(0, 3))


def _city(c: _Canvas) -> None:
    c.stars(c.w * c.h // 900, c.h * 0.5)
    c.sun(c.rx(0.1, 0.9), c.ry(0.12, 0.3), 0.06 * c.h, moon=True)
    win = max(2, c.w // 110)
    for layer, (lo, hi) in enumerate(((0.3, 0.55), (0.18, 0.42))):
        x, shift, col = -0.1 * c.w, c.t * c.w * 0.04 * (layer + 1), c.layer(0.35 + 0.65 * layer)
        lit = (*c.pal[6], 255 if layer else 120)
        while x < 1.15 * c.w:
            bw, bh = c.rx(0.05, 0.11), c.ry(lo, hi)
            x0, top = x - shift, c.h * 0.95 - bh
            c.draw.rectangle((x0, top, x0 + bw, c.h), fill=col)
            if c.rng.random() < 0.25:  # an antenna with a warning light
                c.draw.line([(x0 + bw / 2, top), (x0 + bw / 2, top - bh * 0.15)], fill=col)
                c.draw.point((x0 + bw / 2, top - bh * 0.15), fill=(255, 70, 70))
            for wy in range(int(top + win * 2), c.h, win * 3):
                for wx in range(int(x0 + win * 1.5), int(x0 + bw - win * 2), win * 2):
                    if c.rng.random() < 0.3:
                        c.draw.rectangle((wx, wy, wx + win - 1, wy + win), fill=lit)
            x += bw + c.rx(0, 0.012)
        if layer == 0:  # night haze between the skylines
            c.draw.rectangle((0, 0, c.w, c.h), fill=(*c.bottom, 50))


def _forest(c: _Canvas) -> None:
    c.sun(c.rx(0.15, 0.85), (0.35 - 0.1 * c.t) * c.h, c.ry(0.06, 0.1))
    c.ridge(c.h * 0.5, c.h * 0.12, c.layer(0.0), sharp=False, shift=c.t * c.w * 0.03)
    for row in range(3):
        col, base = c.layer((row + 1) / 3), c.h * (0.6 + 0.12 * row)
        size = c.h * (0.14 + 0.08 * row)
        gap, shift = size * 0.42, c.t * c.w * 0.05 * (row + 1)
        for k in range(int(c.w * 1.25 / gap) + 2):
            x = k * gap + c.rng.uniform(-0.3, 0.3) * gap - shift
            y, th = base + c.ry(-0.02, 0.02), size * c.rng.uniform(0.7, 1.3)
            c.draw.rectangle((x - th * 0.03, y - th * 0.15, x + th * 0.03, y), fill=col)
            for j in range(3):  # three stacked tiers make a fir
                b, hw = y - th * (0.12 + 0.26 * j), th * (0.28 - 0.06 * j)
                c.draw.polygon([(x - hw, b), (x + hw, b), (x, b - th * 0.4)], fill=col)
        c.draw.rectangle((0, base, c.w, c.h), fill=col)


def _planets(c: _Canvas) -> None:
    for _ in range(3):  # nebulae: nested translucent ellipses fake a soft edge
        x, y, s, col = c.rx(0, 1), c.ry(0, 1), c.rx(0.15, 0.4), c.pal[c.rng.randint(3, 6)]
        for k in range(4):
            e = s * (1 - 0.2 * k)
            c.draw.ellipse((x - e, y - e * 0.6, x + e, y + e * 0.6), fill=(*col, 9))
    c.stars(c.w * c.h // 350, c.h)
    m, big_x = min(c.w, c.h), c.rng.uniform(0.3, 0.7)
    for ringed in (True, False):  # a ringed giant, and a small planet on the emptier side
        r = m * (c.rng.uniform(0.2, 0.27) if ringed else c.rng.uniform(0.05, 0.08))
        fx = big_x if ringed else (0.15 if big_x > 0.5 else 0.85) + c.rng.uniform(-0.05, 0.05)
        cx, cy = (fx + c.t * (0.04 if ringed else -0.04)) * c.w, c.ry(0.2, 0.55)
        col, band = c.pal[c.rng.choice((2, 3, 4, 6))], max(2, round(r * 0.09))
        ring = (cx - r * 2, cy - r / 2, cx + r * 2, cy + r / 2)
        if ringed:  # back half of the ring first, so the planet hides it where they overlap
            c.draw.arc(ring, 180, 360, fill=(*c.pal[6], 200), width=band)
        for k in range(10):  # a lit sphere: discs shrinking toward the light, getting brighter
            rr = r * (1 - 0.085 * k)
            shade = _mix(_mix(col, _BLACK, 0.7), _mix(col, _WHITE, 0.35), k / 9)
            c.disc(cx - (r - rr) * 0.7, cy - (r - rr) * 0.7, rr, shade)
        if ringed:
            c.draw.arc(ring, 0, 180, fill=(*c.pal[6], 220), width=band)
            a = c.rng.uniform(0, math.tau) + c.t * 1.2  # a moon on its orbit
            c.disc(cx + math.cos(a) * r * 2.4, cy + math.sin(a) * r * 0.8, r * 0.1, c.pal[2])


def _waves(c: _Canvas) -> None:
    c.sun(c.rx(0.2, 0.8), (0.4 - 0.1 * c.t) * c.h, c.ry(0.07, 0.11))
    step, crest = max(2, c.w // 80), (*_mix(c.pal[6], _WHITE, 0.6), 200)
    xs = [float(x) for x in range(0, c.w + step, step)]
    for i in range(6):
        base, amp = c.h * (0.5 + 0.085 * i), c.h * (0.012 + 0.01 * i)
        freq, ph = c.rng.uniform(2, 4) * (1.6 - i * 0.1) * math.tau / c.w, c.rng.uniform(0, 7)
        drift = c.t * math.pi * c.rng.choice((-1, 1)) * c.rng.uniform(0.6, 1.2)
        swell = [math.sin(freq * x + ph + drift) + 0.3 * math.sin(2.3 * freq * x - ph) for x in xs]
        top = [(x, base + amp * v) for x, v in zip(xs, swell, strict=True)]
        c.draw.polygon([(0.0, float(c.h)), *top, (float(c.w), float(c.h))], fill=c.layer(i / 5))
        c.draw.line(top, fill=crest, width=max(1, c.h // 160))


def _desert(c: _Canvas) -> None:
    c.sun(c.rx(0.15, 0.85), (0.38 - 0.1 * c.t) * c.h, c.ry(0.1, 0.14))
    c.ridge(c.h * 0.58, c.h * 0.05, c.layer(0.0), sharp=False, shift=c.t * c.w * 0.02)
    for _ in range(c.rng.randint(1, 3)):  # pyramids, lit face and shadow face
        px, ps, base = c.rx(0.1, 0.9) - c.t * c.w * 0.02, c.ry(0.06, 0.13), c.h * 0.6
        apex, mid = (px, base - ps), (px + ps * 0.3, base)
        c.draw.polygon([(px - ps * 1.3, base), apex, mid], c.pal[3])
        c.draw.polygon([mid, apex, (px + ps * 1.3, base)], c.layer(0.4))
    for i in (1, 2):
        base, col = c.h * (0.62 + 0.12 * i), c.layer(i / 2 - 0.25)
        c.ridge(base, c.h * 0.07, col, sharp=False, shift=c.t * c.w * 0.05 * i)
    green = c.pal[6] if c.pal[6][1] > c.pal[6][0] else (60, 110, 60)
    for _ in range(c.rng.randint(1, 3)):  # saguaros: a trunk and two elbowed arms
        x, s, y = c.rx(0.05, 0.95) - c.t * c.w * 0.1, c.ry(0.12, 0.2), c.h * 0.8
        tw = s * 0.14
        c.draw.rounded_rectangle((x - tw, y - s, x + tw, y), radius=tw, fill=green)
        for side in (-1, 1):
            ay, ax = y - s * c.rng.uniform(0.4, 0.6), x + side * tw * 2.6
            elbow = (min(x, ax) - tw * 0.7, ay - tw * 0.8, max(x, ax) + tw * 0.7, ay + tw * 0.6)
            c.draw.rounded_rectangle(elbow, radius=tw * 0.6, fill=green)
            arm = (ax - tw * 0.7, ay - s * 0.35, ax + tw * 0.7, ay + tw * 0.6)
            c.draw.rounded_rectangle(arm, radius=tw * 0.7, fill=green)


def _aurora(c: _Canvas) -> None:
    c.stars(c.w * c.h // 500, c.h * 0.6)
    step, glow = max(2, c.w // 60), _mix(c.pal[6], (110, 255, 170), 0.6)
    xs = [float(x) for x in range(0, c.w + step, step)]
    for _ in range(c.rng.randint(2, 3)):  # curtains: bright lower hem fading upward into rays
        base, amp, freq = c.ry(0.32, 0.48), c.ry(0.04, 0.09), c.rng.uniform(1, 2.5) * math.tau / c.w
        ph = c.rng.uniform(0, 7) + c.t * 1.5
        hem = [(x, base + amp * math.sin(freq * x + ph)) for x in xs]
        for length, alpha in ((0.3, 16), (0.18, 24), (0.08, 40), (0.025, 90)):
            c.draw.polygon([(x, y - length * c.h) for x, y in hem] + hem[::-1], fill=(*glow, alpha))
        for hx, hy in hem[::2]:
            x, ray = hx + c.rng.uniform(-1, 1) * step, c.ry(0.05, 0.3)
            c.draw.line([(x, hy), (x, hy - ray)], (*glow, c.rng.randint(10, 30)), step // 3 + 1)
    for i in range(3):
        col, shift = _mix(c.layer(i / 2), _BLACK, 0.4), c.t * c.w * 0.04 * (i + 1)
        c.ridge(c.h * (0.62 + 0.1 * i), c.h * (0.14 - 0.03 * i), col, sharp=True, shift=shift)


_PAINTERS: dict[str, Callable[[_Canvas], None]] = {
    "mountains": _mountains,
    "sunset-sea": _sunset_sea,
    "city": _city,
    "forest": _forest,
    "planets": _planets,
    "waves": _waves,
    "desert": _desert,
    "aurora": _aurora,
}


@functools.lru_cache(maxsize=64)
def _font(size: int) -> _Font:
    """Cached: building the embedded font costs more than drawing a whole picture."""
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _fitted(text: str, size: int, max_w: float) -> tuple[str, _Font]:
    """Shrink long text down to 70%, then cut it with an ellipsis, so it never overflows."""
    for s in range(size, max(7, int(size * 0.7)) - 1, -1):
        if _font(s).getlength(text) <= max_w:
            return text, _font(s)
    font = _font(max(7, int(size * 0.7)))
    while len(text) > 1 and font.getlength(text + "…") > max_w:
        text = text[:-1]
    return text.rstrip() + "…", font


def _caption(c: _Canvas, spec: ArtSpec) -> None:
    """A dark rounded band hugging the text: readable on any sky, hiding little of the art."""
    size = max(10, min(40, round(min(c.w, c.h * 2) / 21)))
    small, pad = max(9, round(size * 0.55)), max(3, round(size * 0.4))
    title, tfont = _fitted(spec.title, small, c.w - pad * 6)
    label, lfont = _fitted(spec.label, size, c.w - pad * 6)
    right = pad * 4 + max(tfont.getlength(title), lfont.getlength(label))
    top = c.h - pad * 4 - small - size
    c.draw.rounded_rectangle((pad, top, right, c.h - pad), radius=pad, fill=(0, 0, 0, 120))
    c.draw.text((pad * 2.5, top + pad), title, font=tfont, fill=(255, 255, 255, 200))
    c.draw.text((pad * 2.5, top + pad * 1.6 + small), label, font=lfont, fill=_WHITE)


def _render(spec: ArtSpec, t: float) -> Image.Image:
    """The scene at animation time ``t`` in [0, 1]; ``t = 0`` is the still image."""
    from PIL import Image

    img = Image.new("RGB", (spec.width, spec.height))
    canvas = _Canvas(img, spec, t)
    canvas.gradient((0, 0, spec.width, spec.height), canvas.top, canvas.bottom)
    _PAINTERS[spec.motif](canvas)
    _caption(canvas, spec)
    return img


def render_image(spec: ArtSpec) -> Image.Image:
    """The still picture for ``spec`` (RGB)."""
    return _render(spec, 0.0)


def render_jpeg(spec: ArtSpec, *, quality: int = 85) -> bytes:
    out = io.BytesIO()
    render_image(spec).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def render_video(
    spec: ArtSpec, path: str | os.PathLike[str], *, seconds: float = 2.0, fps: int = 12
) -> None:
    """A short H.264 MP4 of the scene in slow motion, playable in any browser.

    Dimensions are rounded down to even numbers, which yuv420p requires, and the file is
    written with ``faststart`` so a browser can start playing before it has all of it.
    """
    import av

    if seconds <= 0 or fps <= 0:
        raise ValueError(f"seconds and fps must be positive, got {seconds} and {fps}")
    frame_spec = dataclasses.replace(spec, width=spec.width // 2 * 2, height=spec.height // 2 * 2)
    count = max(1, round(seconds * fps))
    with av.open(os.fspath(path), mode="w", format="mp4", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = frame_spec.width, frame_spec.height, "yuv420p"
        for i in range(count):
            img = _render(frame_spec, i / max(1, count - 1))
            frame = av.VideoFrame.from_image(img)  # type: ignore[no-untyped-call]  # untyped in PyAV
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
