"""Looking at what people read: HTML rendered by a real headless Chromium (Debian's ``chromium``),
saved as a PNG under the test run's artifacts (``test-artifacts/`` or $REGWATCH_TEST_ARTIFACTS)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops

ARTIFACTS = Path(os.environ.get("REGWATCH_TEST_ARTIFACTS") or Path(__file__).resolve().parent.parent / "test-artifacts")
_TIMEOUT = 60


_INSTALL = "Debian: apt-get install chromium fonts-ipafont-gothic"


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip(f"headless Chromium is not installed ({_INSTALL})")
    fonts = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        pytest.skip(f"no Japanese font: every character would show as a box ({_INSTALL})")
    return path


def screenshot(page: str, name: str, *, width: int = 800, height: int = 3000) -> Path:
    """``page`` (an HTML document) as ``ARTIFACTS/name``, cut below its content."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    with tempfile.TemporaryDirectory() as scratch:
        document = Path(scratch) / "page.html"
        document.write_text(page, encoding="utf-8")
        command = [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            f"--user-data-dir={scratch}/profile", f"--window-size={width},{height}", f"--screenshot={target}",
            document.as_uri(),
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, errors = process.communicate(timeout=_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # Chromium's helpers are in the process group it leads
            process.wait()
            raise AssertionError(f"chromium did not render {name} within {_TIMEOUT} s") from None
    assert target.exists(), f"chromium wrote no screenshot of {name}: {errors.decode(errors='replace')[-2000:]}"
    _cut_to_content(target)
    return target


def _cut_to_content(path: Path, margin: int = 16) -> None:
    """Drop the empty page below the content (the window is taller than any alert or digest)."""
    with Image.open(path) as image:
        picture = image.convert("RGB")
    background = Image.new("RGB", picture.size, picture.getpixel((picture.width - 1, picture.height - 1)))
    box = ImageChops.difference(picture, background).getbbox()
    if box:
        picture.crop((0, 0, picture.width, min(picture.height, box[3] + margin))).save(path)


def ink_ratio(path: Path) -> float:
    """The share of pixels that differ from the page's background: 0 for a blank page."""
    with Image.open(path) as image:
        picture = image.convert("L")
    background = picture.getpixel((0, 0))
    histogram = picture.histogram()
    return 1 - histogram[background] / (picture.width * picture.height)
