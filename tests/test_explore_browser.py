"""The explorer in a real browser: ``casim explore`` served on 127.0.0.1, driven by headless Chromium (Playwright).

Moves the west.sanctions slider up and checks that the page's numbers move the way the lever implies
(Russia's share down, the West's up, in Kazakhstan most), steps, plays and resets the Mesa model with
SolaraViz's own buttons, saves the settings as a scenario YAML and checks that ``casim check`` accepts it and
``casim run`` reproduces the page's numbers. Screenshots go to docs/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = os.environ.get("CASIM_CHROMIUM", "/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[1] / "docs"
pytestmark = pytest.mark.slow

if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install 'casim[viz]')")
pytest.importorskip("solara", reason="mesa[viz] is not installed (pip install 'casim[viz]')")
from playwright.sync_api import Page, sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``casim explore`` in a subprocess on a free loopback port; always terminated."""
    cwd = tmp_path_factory.mktemp("explore")
    port = free_port()
    log = open(cwd / "server.log", "w")  # noqa: SIM115  # closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "casim", "explore", "baseline", "--port", str(port), "--host", "127.0.0.1"],
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("casim explore did not answer:\n" + (cwd / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url, cwd
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def readout(page: Page, cls: str = "casim-readout") -> dict:
    return json.loads(page.locator(f".{cls}").first.text_content() or "{}")


def wait_for(page: Page, test, what: str, cls: str = "casim-readout", timeout: float = 150) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = readout(page, cls)
        if data and test(data):
            return data
        page.wait_for_timeout(200)
    raise AssertionError(f"the page never showed {what}; last: {readout(page, cls)}")


def mean(data: dict, power: str) -> float:
    return sum(v[power] for v in data["shares"].values()) / len(data["shares"])


def test_explorer_in_chromium(server):
    url, cwd = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.goto(url)
            page.locator(".casim-readout").wait_for(state="attached", timeout=90_000)
            start = readout(page)
            assert start["quarter"] == 0 and start["date"] == "2023Q1"

            # SolaraViz's own controls: Step advances one quarter, play runs to the horizon and stops there
            page.get_by_role("button", name="Step").click()
            wait_for(page, lambda d: d["quarter"] == 1, "quarter 1 after Step")
            page.get_by_role("button", name="▶").click()
            before = wait_for(page, lambda d: d["quarter"] == 31, "the horizon after play")
            assert before["date"] == "2030Q4"

            # move west.sanctions to the top of its range (keyboard End on the slider's thumb)
            slider = page.locator(".v-input", has_text="west.sanctions").locator("[role=slider]")
            slider.focus()
            slider.press("End")
            after = wait_for(page, lambda d: d["shares"] != before["shares"], "new shares after the slider moved")
            assert after["quarter"] == 31  # the model is rebuilt and replayed to the quarter shown
            kaz0, kaz1 = before["shares"]["KAZ"], after["shares"]["KAZ"]
            assert kaz1["russia"] < kaz0["russia"] - 0.02 and kaz1["west"] > kaz0["west"] + 0.01
            assert mean(after, "russia") < mean(before, "russia")
            ens = wait_for(
                page, lambda d: d["difference"]["KAZ"]["russia"] < 0, "the ensemble's difference", "casim-ensemble"
            )
            assert ens["reference"] == "baseline" and ens["difference"]["KAZ"]["west"] > 0
            # the band is the noise at the point values, not the posterior's: the page says so
            assert "runs at the parameters' point values" in page.locator("body").inner_text()
            # the screenshot goes beside the test's files; CASIM_UPDATE_SCREENSHOT=1 refreshes docs/explorer.png
            shot = (DOCS if os.environ.get("CASIM_UPDATE_SCREENSHOT") else cwd) / "explorer.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

            # Reset rebuilds the model with the slider's setting (checked below against the saved scenario's run at
            # the same quarter; stepping, not playing, as each quarter redraws the page's figures, ~1.4 s)
            page.get_by_role("button", name="Reset").click()
            wait_for(page, lambda d: d["quarter"] == 0, "quarter 0 after Reset")
            for q in (1, 2, 3):
                page.get_by_role("button", name="Step").click()
                replay = wait_for(page, lambda d, q=q: d["quarter"] == q, f"quarter {q} after Reset")

            # save the settings; the file extends baseline.yaml and reproduces the page
            page.get_by_role("button", name="Save scenario YAML").click()
            page.locator(".casim-saved").wait_for(timeout=30_000)
        finally:
            browser.close()

    saved = cwd / "baseline-explore.yaml"
    text = saved.read_text()
    assert "extends:" in text and "sanctions: 1.0" in text
    casim = [sys.executable, "-m", "casim"]
    check = subprocess.run([*casim, "check", str(saved)], capture_output=True, text=True, cwd=cwd)
    assert check.returncode == 0, check.stderr
    out = cwd / "run"
    ran = subprocess.run(
        # the explorer shows the parameters' point values: so does `casim run --posterior none`
        [*casim, "run", str(saved), "--posterior", "none", "--replicates", "1", "--format", "csv", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    assert ran.returncode == 0, ran.stderr
    df = pd.read_csv(out / "results.csv")
    # the page after the slider moved (at the horizon) and after Reset (at quarter 3) are the saved scenario's run
    for shown in (after, replay):
        at = df[df["step"] == shown["quarter"]].set_index("state")
        assert len(at) == 5
        for state, shares in shown["shares"].items():
            for power in ("russia", "west", "china"):
                assert at.loc[state, power] == pytest.approx(shares[power], abs=1e-4)
