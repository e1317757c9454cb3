"""Small, real media files for the storage and upload tests, made on the spot.

Every maker takes a ``seed`` so that files differ in content (and hash) when the tests need
many distinct ones.
"""

from __future__ import annotations

import io
import json
import random
import struct
import tempfile
from pathlib import Path


def image(fmt: str, size: tuple[int, int] = (640, 400), seed: int = 0) -> bytes:
    """A PNG, JPEG, WebP or GIF (two frames) whose pixels depend on ``seed``."""
    from PIL import Image, ImageDraw

    width, height = size
    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
    draw = ImageDraw.Draw(img)
    draw.rectangle(
        (width // 4, height // 4, width // 2, height // 2), fill=(255, 255 - seed % 256, 0)
    )
    draw.text((5, 5), f"#{seed}", fill=(0, 0, 0))
    out = io.BytesIO()
    if fmt == "gif":
        second = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        img.save(out, format="GIF", save_all=True, append_images=[second], duration=100)
    else:
        img.save(out, format={"jpg": "JPEG", "jpeg": "JPEG"}.get(fmt, fmt.upper()))
    return out.getvalue()


_VIDEO = {"mp4": ("mp4", "libx264"), "mov": ("mov", "libx264"), "webm": ("webm", "libvpx")}


def video(fmt: str, size: tuple[int, int] = (160, 96), frames: int = 12, fps: int = 12) -> bytes:
    """An MP4, MOV or WebM clip of ``frames`` frames."""
    import av
    from PIL import Image

    container_format, codec = _VIDEO[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"clip.{fmt}"
        with av.open(str(path), mode="w", format=container_format) as out:
            stream = out.add_stream(codec, rate=fps)
            stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
            for i in range(frames):
                img = Image.new("RGB", size, (i * 20 % 256, 80, 160))
                frame = av.VideoFrame.from_image(img)
                frame.pts = i
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
        return path.read_bytes()


def safetensors(
    data_bytes: int = 4096, metadata: dict[str, str] | None = None, seed: int = 0
) -> bytes:
    """A valid safetensors file: one F16 tensor of ``data_bytes`` bytes, plus ``metadata``."""
    count = data_bytes // 2
    header: dict[str, object] = {
        "lora_unet_down.lora_up.weight": {
            "dtype": "F16", "shape": [count], "data_offsets": [0, count * 2],
        },
    }  # fmt: skip
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)  # writers pad the header to 8 bytes
    body = random.Random(seed).randbytes(count * 2)
    return struct.pack("<Q", len(raw)) + raw + body


def padded_video(pad_bytes: int, seed: int = 0) -> bytes:
    """A real MP4 made ``pad_bytes`` larger by a trailing ``free`` box, which players skip.

    Big enough for multipart uploads without encoding minutes of video.
    """
    box = struct.pack(">I", 8 + pad_bytes) + b"free"
    return video("mp4") + box + random.Random(seed).randbytes(pad_bytes)
