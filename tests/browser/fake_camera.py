"""Chromium's fake camera, fed a video of a tag label.

Chromium plays a Y4M file (YUV4MPEG2, 4:2:0) as the camera when launched with
`--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<file>`, looping it;
`--use-fake-ui-for-media-stream` answers the camera permission prompt with "allow".
"""

import io
from pathlib import Path

from PIL import Image

from backend.tags.qr import qr_png


def fake_camera_flags(video: Path) -> list[str]:
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


def label_frame(url: str, *, width: int = 640, height: int = 480, shift: int = 0) -> Image.Image:
    """A grey bin with the white label's QR code (the project's own, level H) near its middle."""
    frame = Image.new("RGB", (width, height), (96, 104, 96))
    code = Image.open(io.BytesIO(qr_png(url))).convert("RGB")
    side = min(width, height) * 5 // 6
    code = code.resize((side, side), Image.Resampling.NEAREST)
    frame.paste(code, ((width - side) // 2 + shift, (height - side) // 2))
    return frame


def write_y4m(path: Path, frames: list[Image.Image], *, fps: int = 15) -> Path:
    """Frames (all of one size, even width and height) as a YUV4MPEG2 4:2:0 file."""
    width, height = frames[0].size
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            luma, blue, red = frame.convert("YCbCr").split()
            half = (width // 2, height // 2)
            out.write(b"FRAME\n")
            out.write(luma.tobytes())
            out.write(blue.resize(half, Image.Resampling.BILINEAR).tobytes())
            out.write(red.resize(half, Image.Resampling.BILINEAR).tobytes())
    return path


def write_label_video(path: Path, url: str, *, frames: int = 10) -> Path:
    """A short clip of a hand holding the phone over a label: the code drifts a few pixels."""
    return write_y4m(path, [label_frame(url, shift=(index % 5) * 2 - 4) for index in range(frames)])
