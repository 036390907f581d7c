"""report.html: every section and figure, plotly.js once, nothing fetched; the map offline."""

from __future__ import annotations

import socket
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

import borderflow
from borderflow.report import figures as figs
from borderflow.report.geo import MAP_STATES, network_map, outlines
from borderflow.report.html import FIGURES, REPORT_FILE, SECTIONS, write_report
from borderflow.report.png import write_pngs
from borderflow.results.indicators import flatten, has_us_side

# Each bundled scenario, scaled so a run takes a second or so.
SCALES = {
    "caravan-2018-fall": 0.05,
    "caravan-2018-spring": 0.05,
    "remain-in-mexico-2019": 0.01,
    "national-fy2019": 0.004,
}
US_FIGURES = {"fig-mpp", "fig-detention", "fig-courts", "fig-time-to-decision"}


class Page(HTMLParser):
    """Collects ids, the attributes that could fetch something, and the scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name in ("src", "href", "data", "action", "poster", "srcset") and value:
                self.urls.append((tag, name, value))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module", params=sorted(SCALES))
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    name = request.param
    sc = borderflow.load_scenario(name).scaled(SCALES[name])
    res = borderflow.run(sc, seed=1)
    folder = res.write(tmp_path_factory.mktemp("report") / name)
    path = write_report(res, folder).path
    return name, res, folder, path.read_text(encoding="utf-8")


def test_each_bundled_scenario_has_a_whole_self_contained_report(written) -> None:
    name, res, folder, text = written
    assert (folder / REPORT_FILE).is_file()
    page = parse(text)
    assert page.tags[:2] == ["html", "head"]
    for sid in SECTIONS:
        assert sid in page.ids, f"{name}: section {sid} missing"
    expected = set(FIGURES)
    if not has_us_side(flatten(res.summary_dict)):
        expected -= US_FIGURES
    for fid in expected:
        assert fid in page.ids, f"{name}: figure {fid} missing"
        assert f'getElementById("{fid}")' in text  # and a script draws it
    # plotly.js is in the page exactly once, inline
    banner = get_plotlyjs()[:120]
    assert text.count(banner) == 1
    big = [s for s in page.scripts if len(s) > 1_000_000]
    assert len(big) == 1
    # nothing to fetch: no external src/href, no <link>, no <iframe>, no CSS import
    external = [(t, a, v) for t, a, v in page.urls if not v.startswith("#")]
    assert external == []
    assert "link" not in page.tags and "iframe" not in page.tags
    assert "@import" not in text.split("<script", 1)[0]


def test_the_bundled_part2_scenarios_show_the_us_side(written) -> None:
    name, res, _, text = written
    if name in ("remain-in-mexico-2019", "national-fy2019"):
        assert has_us_side(flatten(res.summary_dict))
        assert res.summary_dict["us_processing"]["mpp_returned"] > 0
        for fid in US_FIGURES:
            assert f'id="{fid}"' in text


def test_the_report_rebuilt_from_the_folder_is_the_same(written) -> None:
    _, _, folder, text = written
    rebuilt = write_report(folder).path
    assert rebuilt == folder / REPORT_FILE
    assert rebuilt.read_text(encoding="utf-8") == text
    assert not list(folder.glob(".report.html*"))  # the temporary file is gone


def test_the_report_shows_the_levers_and_assumptions(written) -> None:
    _, res, _, text = written
    sc = res.scenario
    levers = text.split('id="section-levers"', 1)[1].split("<section", 1)[0]
    for name, p in sc.parameters.items():
        assert f"<td>{name}</td>" in levers
        assert f"{p.low:g} – {p.high:g}" in levers
    n_assumed = sum(p.is_assumption for p in sc.parameters.values())
    assert levers.count('class="assumption"') == n_assumed
    assert levers.count('class="sourced"') == len(sc.parameters) - n_assumed
    for t in sc.targets:
        assert f"<td>{t.id}</td>" in text


@pytest.fixture(scope="module")
def fall() -> borderflow.Results:
    return borderflow.run(borderflow.load_scenario("caravan-2018-fall").scaled(0.05), seed=1)


def test_the_map_draws_without_a_network(fall, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the map tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    outlines.cache_clear()
    fig = network_map(fall.daily, fall.scenario, max_frames=30)
    # no geo subplot: plotly.js would fetch its base map from a CDN
    assert {t.type for t in fig.data} == {"scatter"}
    assert "geo" not in fig.layout.to_plotly_json()
    codes = {t.meta for t in fig.data if t.meta}
    assert {"USA", "MEX", "GTM", "HND", "SLV"} <= codes
    # outlines are plausible: Tijuana's latitude lies inside Mexico's extent
    lat = np.array([lat for ring in outlines()["countries"]["MEX"]["rings"] for _, lat in ring])
    assert lat.min() < 16 < 32.5 < lat.max() + 0.5


def test_the_map_slider_shows_people_per_place_per_day(fall) -> None:
    sc, daily = fall.scenario, fall.daily
    fig = network_map(daily, sc, max_frames=30)
    steps = fig.layout.sliders[0].steps
    assert 2 <= len(fig.frames) <= 31 and len(steps) == len(fig.frames)
    assert [s.label for s in steps] == [f.name for f in fig.frames]
    assert fig.frames[-1].name == str(sc.end)
    (markers,) = [t for t in fig.data if t.name == "people at a place"]
    assert list(fig.frames[0].traces) == [list(fig.data).index(markers)]
    ids = [p.id for p in sc.places]
    on_map = daily[daily["state"].astype(str).isin(MAP_STATES)]
    for frame in (fig.frames[0], fig.frames[len(fig.frames) // 2], fig.frames[-1]):
        day = pd.Timestamp(frame.name)
        rows = on_map[pd.to_datetime(on_map["date"]) == day]
        want = rows.groupby(rows["place"].astype(str))["n"].sum().reindex(ids, fill_value=0)
        got = np.asarray(frame.data[0].customdata)
        assert got.tolist() == want.tolist()
        sizes = np.asarray(frame.data[0].marker.size)
        assert (sizes[got > 0] > sizes.min()).all() or not got.any()
    assert len(markers.x) == len(ids)
    with pytest.raises(ValueError, match="outside the run"):
        network_map(daily, sc, date="1999-01-01")


def test_waitlist_and_stock_figures_add_up(fall) -> None:
    sc, daily = fall.scenario, fall.daily
    fig = figs.waitlist_per_city(daily, sc)
    total = sum(np.asarray(t.y, dtype=float) for t in fig.data)
    waiting = daily[daily["state"].astype(str).isin(figs.WAITING)]
    per_day = waiting.groupby("date")["n"].sum().reindex(pd.to_datetime(sc.dates), fill_value=0)
    assert total.tolist() == per_day.tolist()
    stocks = figs.stocks_over_time(daily, sc)
    stacked = sum(np.asarray(t.y, dtype=float) for t in stocks.data)
    everyone = daily[daily["state"].astype(str) != "outside"].groupby("date")["n"].sum()
    assert stacked.tolist() == everyone.reindex(pd.to_datetime(sc.dates), fill_value=0).tolist()


def test_the_sankey_counts_match_the_summary(fall) -> None:
    fig = figs.flow_sankey(fall.flows, fall.daily, fall.scenario)
    s = fig.data[0]
    labels = list(s.node.label)
    links = {
        (labels[a], labels[b]): v
        for a, b, v in zip(s.link.source, s.link.target, s.link.value, strict=True)
    }
    assert min(links.values()) > 0
    into_admitted = sum(v for (_, b), v in links.items() if b == "admitted at a port")
    assert into_admitted == fall.summary_dict["admitted_at_ports"]
    crossed = links.get(("crossed between ports", "apprehended"), 0)
    assert crossed == fall.summary_dict["apprehensions"]
    assert links[("admitted at a port", "in U.S. custody")] == into_admitted


def test_shelter_figure_draws_the_beds_lever(fall) -> None:
    sc = fall.scenario
    fig = figs.shelter_occupancy(fall.daily, sc)
    beds = [t for t in fig.data if t.name == "shelter beds"]
    assert beds
    tijuana_beds = {pol.set.get("beds.tijuana") for pol in sc.policies} - {None}
    drawn = {float(v) for t in beds for v in t.y}
    assert tijuana_beds <= drawn


def test_no_png_renderer_is_said_clearly(fall, tmp_path: Path, monkeypatch) -> None:
    import borderflow.report.png as png

    monkeypatch.setattr(png, "kaleido_version", lambda: None)
    out = write_pngs({"fig-stocks": figs.stocks_over_time(fall.daily, fall.scenario)}, tmp_path)
    assert not out.ok and out.written == []
    assert "No PNG written" in out.message and "kaleido" in out.message.lower()

    def broken(figures, folder):
        raise RuntimeError("Could not find Chrome\nmore")

    monkeypatch.setattr(png, "kaleido_version", lambda: "1.5.0")
    monkeypatch.setattr(png, "_render_kaleido1", broken)
    out = write_pngs({"fig-stocks": figs.stocks_over_time(fall.daily, fall.scenario)}, tmp_path)
    assert not out.ok
    assert "Could not find Chrome" in out.message and "Chromium" in out.message


@pytest.mark.skipif(
    __import__("borderflow.report.png", fromlist=["x"]).kaleido_version() is None,
    reason="kaleido is not installed (PNG export is optional)",
)
def test_pngs_are_written_when_kaleido_is_there(fall, tmp_path: Path) -> None:
    out = write_pngs({"fig-waitlist": figs.waitlist_per_city(fall.daily, fall.scenario)}, tmp_path)
    if out.renderer is None:
        pytest.skip(out.message)
    assert out.ok
    assert out.written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_time_to_decision_keeps_every_decided_case(fall) -> None:
    fig = figs.time_to_decision(fall.decisions, fall.scenario)
    decided = fall.decisions[fall.decisions["outcome"].astype(str).isin(figs.DECISION_LABELS)]
    assert sum(int(sum(t.y)) for t in fig.data) == int(decided["n"].sum()) > 0
