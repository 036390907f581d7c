"""End to end in headless Chromium: the dashboard, and the report opened from disk.

The browser is Debian's ``chromium`` driven by Playwright (see ``browser_harness``).
``BORDERFLOW_SCREENSHOTS=docs pytest tests/test_dashboard_browser.py`` also refreshes the
README's screenshots.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from borderflow.interfaces.web.app import GONE, MAX_REQUEST_BYTES
from borderflow.interfaces.web.requests import DASHBOARD_LEVERS
from browser_harness import browser_context, dashboard, need_browser, save_screenshot

SPRING = "caravan-2018-spring"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    need_browser()
    with dashboard() as url:
        yield url


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with browser_context(tmp_path_factory.mktemp("chromium-profile")) as ctx:
        yield ctx


@pytest.fixture()
def page(context: Any, server: str) -> Iterator[Any]:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server)
    page.wait_for_selector("#quota-value")
    yield page
    page.close()
    assert not errors, errors


def choose(page: Any, scenario: str, scale: str) -> None:
    page.check(f"#scenario input[value='{scenario}']")
    # The scenario's own places arrive in the dropdown: wait for the default port.
    if scenario != "national-fy2019":
        page.wait_for_function(
            "() => document.querySelector('#quota-place').innerText.includes('San Ysidro')"
        )
    page.fill("#scale", scale)


def run_and_wait(page: Any, previous: str | None = None) -> tuple[float, float]:
    """Press Run; wait for an indicator other than ``previous``; (unchanged, changed)."""
    page.click("#run")
    page.wait_for_function(
        """prev => { const el = document.querySelector('#waitlist-indicator');
                     return el && el.dataset.state === 'done'
                         && el.dataset.changed + '|' + el.dataset.baseline !== prev; }""",
        arg=previous or "",
    )
    # Plotly draws after the page receives the figures.
    page.wait_for_function(
        "() => { const gd = document.querySelector('#figures .js-plotly-plot');"
        " return gd && gd._fullData && gd._fullData.length > 0; }"
    )
    el = page.locator("#waitlist-indicator")
    return float(el.get_attribute("data-baseline")), float(el.get_attribute("data-changed"))


def indicator_key(page: Any) -> str:
    el = page.locator("#waitlist-indicator")
    return f"{el.get_attribute('data-changed')}|{el.get_attribute('data-baseline')}"


#: People-days drawn in a figure: the sum of every trace's y values.
#: Plotly keeps numpy arrays encoded in ``gd.data``; ``gd._fullData`` holds them decoded.
CURVE_JS = (
    "(gd => gd._fullData.reduce((s, t) => s + Array.from(t.y || []).reduce("
    "(a, b) => a + (+b || 0), 0), 0))"
)


def waitlist_curve(page: Any) -> list[float]:
    """Each trace's total in the waitlist figure, as drawn in the page."""
    return page.eval_on_selector(
        "#fig-waitlist .js-plotly-plot",
        "gd => gd._fullData.map(t => Array.from(t.y || []).reduce((a, b) => a + (+b || 0), 0))",
    )


def test_lower_quota_lengthens_the_waitlist_and_the_figures_follow(
    page: Any, server: str, tmp_path: Path
) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    choose(page, SPRING, "0.2")
    page.fill("#quota-value", "0")
    baseline, changed = run_and_wait(page)
    # First the two compared: the report's overlay of the waitlists, A solid and B dashed.
    page.wait_for_function(
        "() => { const gd = document.querySelector('#fig-compare-waitlist .js-plotly-plot');"
        " return gd && gd._fullData && gd._fullData.some(t => t.line && t.line.dash === 'dash'); }"
    )
    assert page.locator("#fig-compare-indicators .js-plotly-plot").count() == 1
    page.wait_for_timeout(500)  # let Plotly finish drawing before the picture
    shot = save_screenshot(page, "dashboard.png", tmp_path)
    assert shot.stat().st_size > 20_000
    page.check("#figures-of input[value='changed']")
    page.wait_for_selector("#fig-waitlist .js-plotly-plot")
    assert changed > baseline > 0
    assert page.locator(".js-plotly-plot").count() >= 6
    assert page.locator("#fig-stocks .js-plotly-plot").is_visible()
    zero_quota = waitlist_curve(page)
    assert "quota at san_ysidro = 0" in page.inner_text("#run-description")

    # Now a generous quota: the waitlist shrinks below the unchanged scenario's.
    page.fill("#quota-value", "20")
    before = indicator_key(page)
    baseline2, changed2 = run_and_wait(page, before)
    assert baseline2 == baseline, "the unchanged scenario must not depend on the lever"
    assert changed2 < baseline < changed
    page.wait_for_function(
        f"() => {CURVE_JS}(document.querySelector('#fig-waitlist .js-plotly-plot'))"
        f" < {sum(zero_quota)}"
    )

    # The same request again comes from the cache.
    page.fill("#quota-value", "0")
    run_and_wait(page, indicator_key(page))
    assert "from the cache" in page.inner_text("#run-description")

    # Switching to the unchanged scenario's figures redraws them.
    page.check("#figures-of input[value='baseline']")
    page.wait_for_function(
        f"() => {CURVE_JS}(document.querySelector('#fig-waitlist .js-plotly-plot'))"
        f" < {sum(zero_quota)}"
    )
    # Everything the page loaded came from the dashboard itself.
    origin = urlparse(server).netloc
    assert requests and {urlparse(u).netloc for u in requests} == {origin}


def test_an_over_limit_request_is_refused_on_the_page(page: Any) -> None:
    choose(page, "national-fy2019", "1")
    page.click("#run")
    refusal = page.wait_for_selector(".refused[data-kind='limit']")
    text = refusal.inner_text()
    assert text.startswith("Refused: this request is above the server's limits.")
    assert "people" in text
    assert page.locator("#waitlist-indicator").get_attribute("data-state") == "empty"

    # A bad value is refused too, by the server, with the field named.
    choose(page, SPRING, "0.05")
    page.fill("#judges-value", "-4")
    page.click("#run")
    invalid = page.wait_for_selector(".refused[data-kind='invalid']")
    assert "value" in invalid.inner_text()


def test_a_long_run_shows_progress_and_can_be_cancelled(page: Any, server: str) -> None:
    choose(page, "national-fy2019", "0.1")
    # Eight runs of a year: seconds of work however fast one run is once compiled.
    page.fill("#runs", "8")
    page.click("#run")
    page.wait_for_function(
        "() => +document.querySelector('#progress').value > 0"
        " && document.querySelector('#status').innerText.includes('day')"
    )
    # The server answers at once while the run goes on in its worker.
    started = time.monotonic()
    with urllib.request.urlopen(server + "_dash-layout", timeout=10) as response:
        assert response.status == 200
    assert time.monotonic() - started < 2
    first = float(page.get_attribute("#progress", "value"))
    page.wait_for_function(f"() => +document.querySelector('#progress').value > {first}")
    page.click("#cancel")
    page.wait_for_function("() => document.querySelector('#status').innerText === 'cancelled'")
    stopped = float(page.get_attribute("#progress", "value"))
    assert stopped < float(page.get_attribute("#progress", "max"))
    assert page.locator("#waitlist-indicator").get_attribute("data-state") == "empty"


def test_every_callback_the_page_sends_is_far_below_the_body_limit(page: Any) -> None:
    posts: list[int] = []
    page.on(
        "request",
        lambda r: r.method == "POST" and posts.append(len(r.post_data_buffer or b"")),
    )
    for name in ("national-fy2019", "remain-in-mexico-2019", "caravan-2018-fall"):
        page.check(f"#scenario input[value='{name}']")
    choose(page, SPRING, "0.050000001")
    page.fill("#seed", "2147483647")
    # Every lever moved, at a place and from a date: the largest request the page makes.
    for lever, _, _ in DASHBOARD_LEVERS:
        share = lever in ("mpp", "p_apprehend", "mexico_enforcement")
        page.fill(f"#{lever}-value", "1" if share else "1000000000")
        page.fill(f"#{lever}-date", "2018-04-01")
    run_and_wait(page)
    page.check("#figures-of input[value='changed']")
    page.wait_for_selector("#fig-waitlist .js-plotly-plot")
    assert posts
    # At least ten times the largest real callback: room for more levers or a newer Dash.
    assert 10 * max(posts) < MAX_REQUEST_BYTES, max(posts)


def test_results_too_large_to_keep_are_shown_once_then_said_to_be_gone(
    context: Any, tmp_path: Path
) -> None:
    # 1 MB holds one answer of the spring caravan, not both runs and their comparison.
    with dashboard("--cache-mb", "1") as url:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.wait_for_selector("#quota-value")
        choose(page, SPRING, "0.2")
        page.fill("#quota-value", "0")
        baseline, changed = run_and_wait(page)
        assert changed > baseline > 0
        assert page.locator("#fig-compare-waitlist .js-plotly-plot").count() == 1
        page.check("#figures-of input[value='changed']")
        page.wait_for_function(
            "text => document.querySelector('#status').innerText.includes(text)", arg=GONE
        )
        # What was shown stays on the page.
        assert page.locator("#waitlist-indicator").get_attribute("data-state") == "done"
        page.close()


@pytest.fixture(scope="module")
def spring_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder written by ``borderflow run`` (once for the module)."""
    out = tmp_path_factory.mktemp("runs") / "spring"
    code = "import sys; from borderflow.interfaces.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "run", SPRING, "--seed", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_the_report_opens_without_any_network_request(
    spring_run: Path, tmp_path: Path, context: Any
) -> None:
    report = spring_run / "report.html"
    assert report.is_file(), "borderflow run wrote no report.html"
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    started = time.monotonic()
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_selector(".js-plotly-plot", timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)  # anything a figure would fetch late
    assert time.monotonic() - started < 30
    assert page.locator(".js-plotly-plot").count() >= 5
    assert requests and requests[0].startswith("file:")
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert not outside, outside
    save_screenshot(page, "report.png", tmp_path, at="#section-map")
    page.close()
