"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

Playwright's own browser download is not used: the browser is the system's, launched by
path. Under CI (``CI`` set) a missing browser or Playwright fails the tests, so a broken
install cannot pass as skipped; elsewhere the tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium calls home at start; the machine's network refuses it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    """Whether the tests run under CI, where nothing may be skipped for want of a browser."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def chromium_path() -> str | None:
    """The system Chromium (``BORDERFLOW_CHROMIUM`` overrides), or None."""
    given = os.environ.get("BORDERFLOW_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def need_browser() -> str:
    """The browser's path; skip (locally) or fail (CI) when it or Playwright is missing."""
    missing = []
    path = chromium_path()
    if path is None:
        missing.append("Chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append('Playwright (pip install -e ".[test]")')
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if in_ci():
            pytest.fail(reason + " — required under CI", pytrace=False)
        pytest.skip(reason)
    assert path is not None
    return path


@contextlib.contextmanager
def browser_context(profile: Path) -> Iterator[object]:
    """A Playwright browser context in a fresh profile folder (closed afterwards)."""
    from playwright.sync_api import sync_playwright

    path = need_browser()
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            user_data_dir=str(profile),
            executable_path=path,
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def dashboard(*options: str, timeout: float = 60.0) -> Iterator[str]:
    """``borderflow serve`` on a free loopback port, in a subprocess; yields its URL."""
    port = free_port()
    code = "import sys; from borderflow.interfaces.cli import main; main()"
    cmd = [sys.executable, "-c", code, "serve", "--port", str(port), *options]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                raise RuntimeError(f"the dashboard stopped (code {proc.returncode}):\n{out}")
            try:
                with urllib.request.urlopen(url + "_dash-layout", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not answer within {timeout} s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def save_screenshot(page: object, name: str, tmp_path: Path, at: str | None = None) -> Path:
    """Screenshot ``page`` into ``tmp_path``, and into ``BORDERFLOW_SCREENSHOTS`` if set.

    The picture starts at the top of the page, or at the element ``at`` (a CSS selector).

    ``BORDERFLOW_SCREENSHOTS=docs pytest tests/test_dashboard_browser.py`` refreshes the
    README's pictures.
    """
    target = tmp_path / name
    page.evaluate(  # type: ignore[attr-defined]
        # Back off a little so a sticky header does not hide the element's heading.
        "at => at ? (document.querySelector(at).scrollIntoView(), window.scrollBy(0, -60))"
        " : window.scrollTo(0, 0)",
        at,
    )
    page.screenshot(path=str(target), full_page=False)  # type: ignore[attr-defined]
    keep = os.environ.get("BORDERFLOW_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, Path(keep) / name)
    return target
