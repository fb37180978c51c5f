"""casim report: one self-contained HTML page whose sections show what casim's own workflows compute.

The fast tests read the page with :mod:`html.parser` (what a reader sees: headings, text, table cells) and
compare its numbers with the runs, differences, votes and sensitivity computed here independently on the
same seeds; a scenario with hostile text checks that nothing in a user file becomes markup. The browser
test opens ``casim report scenarios/sanctions_tighten.yaml`` in headless Chromium and checks what the page
shows, with every request recorded.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import BASELINE, HELD_OUT, ROOT, SCENARIOS, one_line_error

import casim
from casim import posterior, projection, sources, votes
from casim.analysis import compare, sensitivity
from casim.cli import main
from casim.quarters import in_horizon
from casim.report import assumptions
from casim.report.page import SECTIONS

SANCTIONS = SCENARIOS / "sanctions_tighten.yaml"
REPLICATES, DRAWS, OAT_REPLICATES = 12, 3, 3
FAST = ["--replicates", str(REPLICATES), "--draws", str(DRAWS), "--sensitivity-replicates", str(OAT_REPLICATES)]
CHROMIUM = os.environ.get("CASIM_CHROMIUM", "/usr/bin/chromium")
HOSTILE_NAME = 'evil <img src=x onerror=alert(1)> --> & "co"'  # a name may hold no path separator
HOSTILE_TEXT = (
    'A <b>bold</b> claim <img src="http://example.com/x.png"> & an "end" --> ]]> </blockquote><script>x()</script>'
)
# elements that would fetch something or run code; none may come from the page's own text
ACTIVE = {"script", "img", "iframe", "object", "embed", "link", "audio", "video", "source", "base", "form", "image"}


def words(text: str) -> str:
    return " ".join(text.split())


class Page(HTMLParser):
    """What a reader of the report sees: each section's heading and text, the tables' cells, every element.

    Text inside ``<svg>`` (matplotlib's glyph paths and comments) and ``<style>`` is not the page's text.
    """

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, dict[str, str]] = {}
        self.tables: list[dict] = []  # {"cls", "section", "head": [...], "rows": [[cell, ...]]}
        self.tags: list[tuple[str, dict]] = []
        self.svgs = 0
        self._section: str | None = None
        self._in: list[str] = []
        self._cell: dict | None = None
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag in ("svg", "style"):
            self.svgs += tag == "svg"
            self._skip += 1
        if self._skip:
            return
        if tag == "section":
            self._section = a.get("id")
            self.sections[self._section] = {"heading": "", "text": ""}
        elif tag == "table":
            self.tables.append({"cls": a.get("class", ""), "section": self._section, "head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = {"text": "", "mean": "", "attrs": a, "head": self._in[-2:-1] == ["thead"]}
        self._in.append(tag)
        if tag == "span" and self._cell is not None and "mean" in a.get("class", "").split():
            self._cell["in_mean"] = True

    def handle_endtag(self, tag):
        if tag in ("svg", "style"):
            self._skip -= 1
            return
        if self._skip:
            return
        while self._in and self._in.pop() != tag:
            pass
        if tag == "span" and self._cell is not None:
            self._cell.pop("in_mean", None)
        if tag in ("td", "th") and self._cell is not None:
            table = self.tables[-1]
            cell = {**self._cell, "text": words(self._cell["text"])}
            if cell["head"]:
                table["head"].append(cell["text"])
            else:
                table["rows"][-1].append(cell)
            self._cell = None

    def handle_data(self, data):
        if self._skip or self._section is None:
            return
        if "h2" in self._in:
            self.sections[self._section]["heading"] += data
        else:
            self.sections[self._section]["text"] += data
        if self._cell is not None:
            self._cell["text"] += data
            if self._cell.get("in_mean"):
                self._cell["mean"] += data

    def table(self, cls: str, section: str, n: int = 0) -> dict:
        found = [t for t in self.tables if t["cls"] == cls and t["section"] == section]
        assert len(found) > n, f"no table {cls!r} #{n} in section {section!r}"
        t = found[n]
        t["rows"] = [r for r in t["rows"] if r]  # the header row is the thead's
        return t


def hostile_scenario(folder: Path) -> Path:
    """sanctions_tighten under a name and a description that are hostile HTML (the same runs otherwise)."""
    path = folder / "hostile.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            schema: 1
            extends: {SANCTIONS}
            name: '{HOSTILE_NAME.replace("'", "''")}'
            description: '{HOSTILE_TEXT.replace("'", "''")}'
            """
        )
    )
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Page, Path]:
    """The report on sanctions_tighten renamed and redescribed with hostile HTML, and that scenario's file."""
    folder = tmp_path_factory.mktemp("report")
    hostile = hostile_scenario(folder)
    out = folder / "report.html"
    assert main(["report", str(hostile), "--out", str(out), *FAST]) == 0
    return Page(out.read_text(encoding="utf-8")), hostile


def test_every_section_has_its_heading_and_some_content(report):
    page, _ = report
    assert list(page.sections) == list(SECTIONS)
    for key, heading in SECTIONS.items():
        assert words(page.sections[key]["heading"]) == heading
        assert len(words(page.sections[key]["text"])) > 100, key


def test_the_description_is_shown_as_written_and_hostile_markup_as_text(report):
    page, path = report
    shown = words(page.sections["assumptions"]["text"])
    assert words(casim.load_scenario(path).description) == words(HOSTILE_TEXT)
    assert words(HOSTILE_TEXT) in shown
    assert HOSTILE_NAME in shown and HOSTILE_NAME in words(page.sections["shares"]["text"])


def test_no_text_from_a_file_becomes_an_element_and_nothing_points_outside_the_page(report):
    page, _ = report
    assert not [t for t, _ in page.tags if t in ACTIVE]
    assert "b" not in {t for t, _ in page.tags}  # the description's <b> stayed text
    links = [v for _, a in page.tags for k, v in a.items() if k in ("href", "src", "xlink:href", "action")]
    assert links and all(v.startswith(("#", "data:")) for v in links), [v for v in links if v[:1] != "#"]
    csp = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]


def horizon_means(scenario: Path | str, replicates: int, seed: int):
    df = casim.run(scenario, replicates=replicates, seed=seed, draws=DRAWS)  # the report's draws x replicates
    last = df[df["step"] == df["step"].max()]
    return last.groupby(last["state"].astype(str))[["russia", "west", "china", "hedging"]].mean()


def test_shares_table_sums_to_one_per_state_and_shows_the_runs_means(report):
    page, path = report
    sc = casim.load_scenario(path)
    table = page.table("shares", "shares", 0)
    assert table["head"] == ["state", *sc.powers, "hedging"]
    means = horizon_means(path, REPLICATES, sc.seed)  # casim.run, not the report's comparison run
    assert len(table["rows"]) == len(sc.states)
    for row in table["rows"]:
        state = re.search(r"\((\w{3})\)", row[0]["text"]).group(1)
        shown = {h: float(c["mean"]) for h, c in zip(table["head"][1:], row[1:])}
        assert sum(shown[p] for p in sc.powers) == pytest.approx(1.0, abs=0.0015)  # three 3-decimal roundings
        for outcome, value in shown.items():
            assert value == pytest.approx(means.loc[state, outcome], abs=0.0005)
        for cell in row[1:]:  # mean [low, high]: the 5-95% range holds the mean
            low, high = map(float, re.findall(r"-?\d+\.\d+", cell["text"])[1:3])
            assert low <= float(cell["mean"]) <= high


def test_comparison_shows_the_paired_differences_and_the_summary_names_the_largest(report):
    page, path = report
    sc = casim.load_scenario(path)
    df = compare.run_scenarios(
        [BASELINE, path], replicates=REPLICATES, seed=sc.seed, posterior=posterior.load(), draws=DRAWS
    )
    diff = compare.differences(df)
    assert diff["paired"].all()
    table = page.table("differences", "comparison", 0)
    for row in table["rows"]:
        state = re.search(r"\((\w{3})\)", row[0]["text"]).group(1)
        for outcome, cell in zip(table["head"][1:], row[1:]):
            want = diff[(diff["state"] == state) & (diff["outcome"] == outcome)]["difference"].iloc[0]
            assert float(cell["mean"]) == pytest.approx(want, abs=0.0005)
    shares = diff[diff["outcome"].isin(sc.powers)]
    top = shares.loc[shares["difference"].abs().idxmax()]
    name = sources.load().state_names[top["state"]]
    summary = words(page.sections["summary"]["text"])
    assert (
        f"largest change from baseline is {name} ({top['state']})'s {top['outcome']} share, {top['difference']:+.3f}"
        in summary
    )


def test_votes_are_the_projection_on_the_texts_inside_the_horizon_and_the_rest_are_listed(report):
    page, path = report
    sc = casim.load_scenario(path)
    texts = votes.read_resolutions(HELD_OUT)
    inside = [r for r in texts if in_horizon(sc, r.quarter)]
    assert inside and len(inside) < len(texts)  # the shipped file has texts on both sides of 2023Q1
    want = projection.run_votes(sc, inside, REPLICATES, sc.seed, posterior=posterior.load(), draws=DRAWS)
    table = page.table("votes", "votes", 0)
    col = {h: i for i, h in enumerate(table["head"])}
    shown = {(r[0]["text"].split()[0], re.search(r"\((\w{3})\)", r[1]["text"]).group(1)): r for r in table["rows"]}
    assert len(shown) == len(want) == len(inside) * len(sc.states)
    for _, w in want.iterrows():
        row = shown[(w["resolution"], w["state"])]
        assert row[col["projected vote"]]["text"] == w["vote"]
        assert float(row[col["P(yes)"]]["text"]) == pytest.approx(w["p_yes"], abs=0.005)
        assert row[col["recorded vote"]]["text"] == next(r for r in inside if r.id == w["resolution"]).observed.get(
            w["state"], "-"
        )
    listed = words(page.sections["votes"]["text"])
    for r in texts:
        assert (f"{r.id} ({r.date.isoformat()})" in listed) == (r not in inside)


def test_drivers_are_uncertain_parameters_or_shocks_ranked_by_swing_on_the_headline(report):
    page, path = report
    sc = casim.load_scenario(path)
    table = page.table("drivers", "drivers", 0)
    col = {h: i for i, h in enumerate(table["head"])}
    swings = [float(r[col["swing"]]["text"]) for r in table["rows"]]
    assert len(swings) > 3 and swings == sorted(swings, reverse=True)
    ranges = assumptions.uncertain_ranges(sc)
    for r in table["rows"]:
        param = r[col["parameter"]]["text"]
        assert param in ranges
        assert param.startswith("shocks.") or r[col["source (tag)"]]["text"].startswith("U ")
        low, high = map(float, re.findall(r"-?\d+(?:\.\d+)?", r[col["range"]]["text"]))
        assert (low, high) == pytest.approx(ranges[param], rel=1e-3)
    # the top driver's swing, recomputed here with the same seeds
    diff = compare.differences(
        compare.run_scenarios(
            [BASELINE, path], replicates=REPLICATES, seed=sc.seed, posterior=posterior.load(), draws=DRAWS
        )
    )
    d = diff[diff["outcome"].isin(sc.powers)]
    top = d.loc[d["difference"].abs().idxmax()]
    oat = sensitivity.one_at_a_time(sc, ranges, replicates=OAT_REPLICATES, seed=sc.seed)
    tornado = sensitivity.tornado(oat, top["state"], top["outcome"])
    assert table["rows"][0][col["parameter"]]["text"] == tornado["parameter"].iloc[0]
    assert swings[0] == pytest.approx(tornado["swing"].iloc[0], abs=0.0005)
    # the runs above are at the point values while the report ran over the posterior: the section says so
    text = words(page.sections["drivers"]["text"])
    assert f"Unlike the tables above ({DRAWS} posterior draws)" in text and "at its point value" in text


def test_provenance_shows_the_seed_and_the_files_hashes(report):
    page, path = report
    sc = casim.load_scenario(path)
    text = words(page.sections["provenance"]["text"])
    seed_cells = [c for t in page.tables if t["section"] == "provenance" for r in t["rows"] for c in r]
    assert any(c["text"] == str(sc.seed) for c in seed_cells)
    for f in (path, SANCTIONS, BASELINE):  # the file and the files it extends
        assert hashlib.sha256(f.read_bytes()).hexdigest() in text
    assert hashlib.sha256(HELD_OUT.read_bytes()).hexdigest() in text
    assert f'casim_version": "{casim.__version__}"' in text


def test_figures_are_inline_svg_one_per_place(report):
    page, _ = report
    # trajectories, votes, drivers (per scenario); compare and differences
    assert page.svgs == 5
    assert sum(1 for t, a in page.tags if t == "figure") == page.svgs


# ---------------------------------------------------------------------------
# bad input: one line, exit 2, no file written or changed


def test_unknown_scenario_is_a_one_line_error_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "r.html"
    line = one_line_error(main(["report", "no_such_scenario", "--out", str(out)]), capsys.readouterr().err)
    assert "no_such_scenario" in line and "sanctions_tighten" in line  # names the shipped ones
    assert list(tmp_path.iterdir()) == []


def test_out_must_end_html(tmp_path, capsys):
    line = one_line_error(main(["report", str(SANCTIONS), "--out", str(tmp_path / "r.pdf")]), capsys.readouterr().err)
    assert "r.pdf" in line and ".html" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["under-a-file", "a-folder"])
def test_unwritable_out_is_a_one_line_error_before_anything_runs(tmp_path, capsys, where):
    blocker = tmp_path / "blocker"
    if where == "under-a-file":
        blocker.write_text("a file, not a folder")
        out = blocker / "r.html"
    else:
        out = tmp_path / "r.html"
        out.mkdir()
    code = main(["report", str(SANCTIONS), "--out", str(out)])
    err = capsys.readouterr().err
    line = one_line_error(code, err)
    assert str(out) in line or str(blocker) in line
    assert "report [" not in err  # checked before anything ran


def test_bad_resolutions_file_is_a_one_line_error_naming_it(tmp_path, capsys):
    bad = tmp_path / "texts.yaml"
    bad.write_text("resolutions:\n  - {id: X, date: 2024-01-01, kind: no_such_kind}\n")
    out = tmp_path / "r.html"
    line = one_line_error(
        main(["report", str(SANCTIONS), "--resolutions", str(bad), "--out", str(out)]), capsys.readouterr().err
    )
    assert str(bad) in line and "no_such_kind" in line
    assert not out.exists()


def test_a_failed_write_leaves_the_old_report_whole_and_no_temporary_file(tmp_path, capsys, monkeypatch):
    import casim.report as report_

    out = tmp_path / "r.html"
    out.write_text("the old report")
    monkeypatch.setattr(report_, "build", lambda *a, **k: None)
    monkeypatch.setattr(report_, "render", lambda *a, **k: "<!DOCTYPE html>" + "x" * 100_000)
    real = Path.write_text

    def half(self, text, *a, **k):  # the disk fills half-way through
        real(self, text[: len(text) // 2], *a, **k)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half)
    code = main(["report", str(SANCTIONS), "--out", str(out)])
    monkeypatch.undo()
    err = capsys.readouterr().err.strip().splitlines()  # the progress lines so far, then the error
    assert code == 2 and err[-1].startswith("casim: error: ") and not any("Traceback" in x for x in err)
    assert "No space left on device" in err[-1] and str(out) in err[-1]
    assert out.read_text() == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


# ---------------------------------------------------------------------------
# where the assumptions come from


def test_parameter_sources_are_the_calibration_entries():
    data = sources.load()
    west = assumptions.parameter_source("west.sanctions")
    assert (west.tag, west.text) == (
        data.power_priors["west"]["sanctions"].tag,
        data.power_priors["west"]["sanctions"].reason,
    )
    fig = data.figure("trade_share", "KAZ", "west")
    assert assumptions.parameter_source("west.exposure.KAZ.trade") == assumptions.Source(
        fig.tag, fig.source, "calibration.yaml figures.trade_share.KAZ.west"
    )
    doctrine = sources.doctrine(data, "TKM")
    assert (
        assumptions.parameter_source("TKM.stubbornness").text
        == data.doctrine_parameters[doctrine]["stubbornness"].reason
    )
    assert assumptions.parameter_source("shocks.x.model.noise") == assumptions.parameter_source("model.noise")
    sc = casim.load_scenario(SCENARIOS / "multipolar.yaml")  # five powers: every cell has an entry or says why not
    assert all(assumptions.parameter_source(p) is not None for p, s in sc.space.slots.items() if s.kind == "float")


def test_sensitivity_moves_the_unverified_parameters_and_each_shock_in_its_direction():
    sc = casim.load_scenario(SANCTIONS)
    ranges = assumptions.uncertain_ranges(sc)
    space = sc.space
    tagged_u = {
        p
        for p, s in space.slots.items()
        if s.kind == "float" and space.prior_range(p) and "U" in assumptions.parameter_source(p).tag
    }
    assert {p for p in ranges if not p.startswith("shocks.")} == tagged_u
    assert "russia.pole" not in ranges  # a pole is tagged S
    (shock,) = sc.shocks
    before = sc.values[shock.path]
    low, high = space.prior_range(shock.path)
    assert ranges[shock.key] == (before, high)  # from no tightening to the most the data allow
    assert ranges[shock.path] == (low, shock.value)  # the start stays below what the shock ramps to


# ---------------------------------------------------------------------------
# a sweep store instead of the one-at-a-time run


@pytest.fixture(scope="module")
def morris_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    spec = folder / "morris.yaml"
    spec.write_text(
        textwrap.dedent(
            f"""\
            schema: 1
            name: tiny-morris
            scenario: {SANCTIONS}
            design: {{method: morris, n: 4, seed: 3}}
            parameters:
              model.sanctions_weight: [0.0, 3.0]
              west.engage: [0.0, 1.0]
            replicates: 2
            seed: 11
            keep: {{dates: [2030Q4]}}
            """
        )
    )
    store = folder / "store"
    assert main(["sweep", str(spec), "--out", str(store)]) == 0
    return store


@pytest.mark.slow
def test_sweep_store_gives_the_drivers_its_largest_morris_indices(morris_store, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(SANCTIONS), "--sweep", str(morris_store), "--out", str(out), *FAST]) == 0
    page = Page(out.read_text(encoding="utf-8"))
    idx = sensitivity.from_manifest(*casim.analysis.load_results(morris_store))
    best = idx.groupby("parameter")["mu_star"].max()
    table = page.table("drivers", "drivers", 0)
    shown = {r[0]["text"]: float(r[1]["text"].split()[0]) for r in table["rows"]}
    assert shown.keys() == set(best.index)
    for p, v in shown.items():
        assert v == pytest.approx(best[p], abs=0.0005)
    assert list(shown) == list(best.sort_values(ascending=False).index)
    assert str(morris_store) in words(page.sections["drivers"]["text"])
    sc = casim.load_scenario(SANCTIONS)  # the panels show the outcome of the summary's headline
    diff = compare.differences(
        compare.run_scenarios(
            [BASELINE, SANCTIONS], replicates=REPLICATES, seed=sc.seed, posterior=posterior.load(), draws=DRAWS
        )
    )
    d = diff[diff["outcome"].isin(sc.powers)]
    headline = d.loc[d["difference"].abs().idxmax(), "outcome"]
    assert f"Morris indices of each state's {headline} from" in words(page.sections["drivers"]["text"])
    assert page.svgs == 3 + 2  # trajectories, votes, the Morris panels; compare, differences


# ---------------------------------------------------------------------------
# the page in a real browser


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and shutil.which("chromium") is None, reason=f"no Chromium at {CHROMIUM}"
)
def test_sanctions_report_opens_in_chromium_with_every_section_filled_and_no_request(tmp_path):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install 'casim[viz]')"
    )
    out = tmp_path / "report.html"
    ran = subprocess.run(
        [sys.executable, "-m", "casim", "report", "scenarios/sanctions_tighten.yaml", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    stages = [line for line in ran.stderr.splitlines() if line.startswith("report [")]
    assert len(stages) >= 5 and ran.stdout.strip() == f"wrote {out}"
    sc = casim.load_scenario(SANCTIONS)
    url = out.as_uri()
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
            page.goto(url)
            page.wait_for_load_state("load")
            for key, heading in SECTIONS.items():
                section = page.locator(f"section#{key}")
                assert section.locator("h2").inner_text() == heading
                assert section.is_visible() and len(words(section.inner_text())) > len(heading) + 100, key
            assert words(sc.description) in words(page.locator("#assumptions blockquote").inner_text())
            rows = page.locator("#shares table.shares tbody tr")
            assert rows.count() == len(sc.states)
            for i in range(rows.count()):
                cells = [float(rows.nth(i).locator(f'td[data-outcome="{p}"] .mean').inner_text()) for p in sc.powers]
                assert sum(cells) == pytest.approx(1.0, abs=0.0015)
            svgs = page.locator("figure svg")
            assert svgs.count() == 5  # trajectories, compare, differences, votes, tornado
            for i in range(svgs.count()):
                box = svgs.nth(i).bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 100
            assert page.locator("#provenance .seed").inner_text() == str(sc.seed)
            # CASIM_UPDATE_SCREENSHOT=1 refreshes docs/report.png (the top of the page); otherwise beside the test
            shot = (ROOT / "docs" if os.environ.get("CASIM_UPDATE_SCREENSHOT") else tmp_path) / "report.png"
            page.screenshot(path=str(shot), full_page=True, clip={"x": 0, "y": 0, "width": 1200, "height": 2300})
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
        finally:
            browser.close()
    assert requests == [url]  # the document itself; nothing else was asked for


@pytest.mark.parametrize(
    "option, value",
    [("--replicates", "0"), ("--draws", "0"), ("--seed", "-1"), ("--sensitivity-replicates", "0")],
)
def test_bad_numbers_are_one_line_errors_naming_the_option(tmp_path, capsys, option, value):
    out = tmp_path / "r.html"
    line = one_line_error(main(["report", str(SANCTIONS), option, value, "--out", str(out)]), capsys.readouterr().err)
    assert option in line and value in line
    assert not out.exists()


def test_a_scenario_with_the_baselines_name_but_other_parameters_is_refused(tmp_path, capsys):
    impostor = tmp_path / "impostor.yaml"
    impostor.write_text(f"schema: 1\nextends: {BASELINE}\nname: baseline\nmodel: {{noise: 0.1}}\n")
    line = one_line_error(main(["report", str(impostor), "--out", str(tmp_path / "r.html")]), capsys.readouterr().err)
    assert "baseline" in line and str(impostor) in line and "--baseline" in line


def test_the_baseline_alone_has_nothing_to_compare_and_its_drivers_follow_the_widest_swing():
    from casim.report import Settings, build
    from casim.report.sections import comparison

    rep = build(["baseline"], Settings(replicates=4, draws=1, sensitivity_replicates=2))
    (part,) = rep.parts
    assert rep.differences is None and part.headline is None and part.baseline_votes is None
    assert "nothing to compare" in comparison(rep, {})
    oat = sensitivity.one_at_a_time(part.scenario, assumptions.uncertain_ranges(part.scenario), 2, seed=rep.seed)
    swings = [
        (abs(t["at_high"] - t["at_low"]).max(), s, o)
        for s in part.scenario.states
        for o in part.scenario.powers
        for t in [sensitivity.tornado(oat, s, o)]
    ]
    _, state, outcome = max(swings)
    assert (part.drivers.state, part.drivers.outcome) == (state, outcome)


def test_the_comparison_says_its_interval_is_over_posterior_draws_or_the_noise_only(report, tmp_path):
    page, path = report
    caption = words(page.sections["comparison"]["text"])
    assert f"median and 90% interval over draws, paired over {DRAWS} draws x {REPLICATES} replicates" in caption
    assert "the parameters' uncertainty with the noise in it" in caption
    assert f"{DRAWS} posterior draws x {REPLICATES} replicates" in words(page.sections["summary"]["text"])
    out = tmp_path / "point.html"
    argv = ["report", str(path), "--out", str(out), "--posterior", "none", "--replicates", "4", "--draws", "1"]
    assert main([*argv, "--sensitivity-replicates", "2"]) == 0
    point = Page(out.read_text(encoding="utf-8"))
    text = words(point.sections["comparison"]["text"])
    assert "not the uncertainty of the effect" in text and "noise-only 95% interval (4 paired replicates" in text
    assert "noise-only 95% interval" in words(point.sections["summary"]["text"])
    assert "Unlike the tables above" not in words(point.sections["drivers"]["text"])  # all at point values here


def test_the_assumptions_name_the_parameters_the_posterior_draws_in_place_of_the_files(report):
    page, path = report
    text = words(page.sections["assumptions"]["text"])
    drawn = sorted(posterior.load().model_values(casim.load_scenario(path).states))
    assert f"every run takes {len(drawn)} parameters from its draw instead of the values above" in text
    assert all(p in text for p in drawn)
