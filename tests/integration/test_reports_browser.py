"""The reports as a user opens them, and what the ecosystem outputs must hold.

The Snakemake report and the MultiQC report are opened in headless Chromium (Debian's
``chromium``; ``scripts/bootstrap.sh`` installs it as root, elsewhere these tests skip and
say why), offline (every host name resolves to nothing). Checked: no script error, no failed
load, no ``console.error``; the report's menu leads to the calls table, to each patient's
trajectory, to the MultiQC report and to the provenance, clicked through as a user would;
the MultiQC report draws its plots and lists every sample; a screenshot of each page is saved
under the test's temporary folder.

How: Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
JSON messages ended by a NUL byte on file descriptors 3 and 4), which needs no library. The
protocol reports every error the page makes as an event, and runs the clicks in the page
(:data:`MENU_WALK`) until they are done, which a ``--dump-dom`` run with a virtual-time budget
did not do reliably (its DOM was dumped before the clicks had finished in about half the runs).

Then the contents, against the pipeline's own tables: the MultiQC report holds every sample,
the samtools sections and the pipeline's custom content with the calls' numbers; cohort.seg
holds every sample's segments and, for every sample, the ERBB2 segment the call names;
provenance.json the version, the config's checksum and the tables' sha256.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import itertools
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from cfdna_erbb2 import __version__
from cfdna_erbb2.provenance import config_checksum

from .conftest import REPO, read_tsv

pytestmark = pytest.mark.slow

MULTIQC = Path("results/multiqc/multiqc_report.html")
#: Seconds Chromium may take for one protocol step (the demo report is 15 MB of inline images).
STEP_TIMEOUT_S = 120

#: Clicks through the Snakemake report's menu to each target result as a user would (the
#: category, its subcategory, the result's row, its button) and returns what it reached.
#: Each step waits (in 50 ms ticks, at most 10 s) until the page shows what the click asked.
MENU_WALK = """(async function (targets) {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 50));
  const until = async function (found) {
    for (let i = 0; i < 200; i++) { const it = found(); if (it) return it; await tick(); }
    return null;
  };
  const link = (text) => [...document.querySelectorAll("a")].find(
    (a) => a.textContent.trim() === text);
  const where = function (path) {
    for (const [category, subs] of Object.entries(categories)) {
      for (const [sub, paths] of Object.entries(subs)) {
        if (paths.includes(path)) return [category, sub];
      }
    }
    return [null, null];
  };
  const rowOf = function (path) {
    const labels = Object.values(results[path].labels || {}).map(String);
    return [...document.querySelectorAll("tr")].find(function (tr) {
      const cells = [...tr.querySelectorAll("td")].map((td) => td.textContent.trim());
      return cells.length > 0 && labels.every((label) => cells.includes(label));
    });
  };
  const reached = {};
  for (const path of targets) {
    const step = {category: null, row: false, shown: false};
    reached[path] = step;
    const [category, sub] = where(path);
    if (category === null) continue;
    step.category = category;
    app.setView({navbarMode: "menu"});
    const entry = await until(() => link(category));
    if (!entry) continue;
    entry.click();
    if (!isSingleSubcategory(category)) {
      const subEntry = await until(() => link(sub));
      if (!subEntry) continue;
      subEntry.click();
    }
    const row = await until(() => rowOf(path));
    if (!row) continue;
    step.row = true;
    const button = row.querySelector("a");
    if (!button) continue;
    if (button.hasAttribute("download")) {
      step.shown = button.getAttribute("href") === results[path].data_uri;
      continue;
    }
    button.click();
    step.shown = Boolean(await until(() => app.state.resultPath === path && [
      ...document.querySelectorAll("img, iframe")].some(
        (el) => el.getAttribute("src") === results[path].data_uri)));
  }
  return reached;
})"""

#: Waits until the page's own scripts have drawn something in ``selector`` (at most 20 s).
DRAWN = """(async function (selector) {
  for (let i = 0; i < 400; i++) {
    if (document.querySelector(selector)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
})"""


def _above_4(fd: int) -> int:
    """``fd`` moved to a number above 4 (the same open file; the old number closed)."""
    if fd > 4:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 5)
    os.close(fd)
    return moved


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe, one page at a time."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_chromium, self._out = os.pipe()
        self._in, from_chromium = os.pipe()
        # The browser's ends, numbered above 4 so that moving them to 3 and 4 clobbers none.
        to_chromium, from_chromium = (_above_4(fd) for fd in (to_chromium, from_chromium))
        profile.mkdir(parents=True, exist_ok=True)
        self.log = profile / "chromium.log"
        args = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking",
            f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
            "--window-size=1600,1000", "--remote-debugging-pipe", "about:blank",
        ]  # fmt: skip
        # The protocol's pipe is the browser's file descriptors 3 (in) and 4 (out); bash,
        # since dash takes no descriptor above 9 in a redirection.
        shell = f'exec "$0" "$@" 3<&{to_chromium} 4>&{from_chromium}'
        with self.log.open("wb") as log:
            self._proc = subprocess.Popen(
                ["bash", "-c", shell, binary, *args],
                pass_fds=(to_chromium, from_chromium),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip
        os.close(to_chromium)
        os.close(from_chromium)
        self._ids = itertools.count(1)
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        self._session: str | None = None

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            os.write(self._out, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._out)
        os.close(self._in)

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                said = self.log.read_text(errors="replace")[-3000:]
                raise ConnectionError(f"Chromium closed the DevTools pipe; it said:\n{said}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(raw))

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command (to the open page, if any) and return its result; events that
        arrive meanwhile are kept in :attr:`events`."""
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if self._session is not None and not method.startswith("Target."):
            message["sessionId"] = self._session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while True:
            answer = self._message(deadline)
            if answer.get("id") == ident:
                assert "error" not in answer, (method, answer["error"])
                return dict(answer.get("result", {}))
            self.events.append(answer)

    def wait_for(self, event: str) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._message(deadline))

    def open(self, page: Path) -> None:
        """Open ``page`` in a new tab and wait until it has loaded."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.events.clear()
        self.send("Page.navigate", url=page.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def call(self, function: str, *args: Any) -> Any:
        """The value of the page's JavaScript ``function`` called with ``args`` (awaited)."""
        expression = f"({function})(...{json.dumps(list(args))})"
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(
            base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        )
        return path

    def errors(self) -> list[str]:
        """Every error the open page made: uncaught exceptions, console.error, and browser
        log errors (a file or URL that failed to load, a blocked request)."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(details.get("exception", {}).get("description") or details["text"])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"{params['entry']['text']} {params['entry'].get('url', '')}")
        return found


@pytest.fixture
def browser(tmp_path: Path):
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "no chromium on PATH: the browser test needs Debian's chromium package "
            "(scripts/bootstrap.sh installs it when run as root with apt-get)"
        )
    chromium = Browser(found, tmp_path / "chromium-profile")
    yield chromium
    chromium.close()


def embedded_json(page: str, name: str) -> Any:
    """A JSON value the Snakemake report assigns in ``<script id="name">var name = ...;``."""
    pattern = rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>'
    found = re.search(pattern, page, flags=re.DOTALL)
    assert found, f"no `var {name}` in the report"
    return json.loads(found.group(1))


def patients(study: Path) -> list[str]:
    return sorted(read_tsv(study / "truth.tsv")["patient"].dropna().unique())


def is_png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_snakemake_report_in_a_browser(
    browser: Browser, fastq_study: Path, demo_report: Path, tmp_path: Path
) -> None:
    browser.open(demo_report)
    # The app drew its menu: a category per patient, the normals and the cohort.
    assert browser.call(DRAWN, "#app a"), "the report's app drew nothing"
    menu = browser.call(
        "() => [...document.querySelectorAll('#app a')].map((a) => a.textContent.trim())"
    )
    for category in [*patients(fastq_study), "normals", "Cohort"]:
        assert category in menu, f"{category} is not in the report's menu"
    assert is_png(browser.screenshot(tmp_path / "snakemake_report.png"))

    results = embedded_json(demo_report.read_text(encoding="utf-8"), "results")
    trajectories = [f"results/plots/{p}/{p}.trajectory.png" for p in patients(fastq_study)]
    targets = ["results/erbb2/calls.tsv", str(MULTIQC), "results/provenance.json", *trajectories]
    for path in targets:
        assert path in results, f"{path} is not in the report"
    reached = browser.call(MENU_WALK, targets)
    for path in targets:
        assert reached[path]["shown"], (path, reached[path])
    # What a user sees after the clicks: the last patient's trajectory.
    assert is_png(browser.screenshot(tmp_path / "snakemake_report_trajectory.png"))
    assert browser.errors() == []


def test_multiqc_report_in_a_browser(browser: Browser, fastq_study: Path, tmp_path: Path) -> None:
    browser.open(fastq_study / MULTIQC)
    # The fragment-length line plot is drawn (Plotly's SVG in its container).
    plot = "#cfdna_erbb2_fragment_lengths_plot .main-svg"
    assert browser.call(DRAWN, plot), "the fragment-length plot was not drawn"
    text = browser.call("() => document.body.innerText")
    for sample in read_tsv(fastq_study / "truth.tsv")["sample"]:
        assert sample in text, f"{sample} is not shown in the MultiQC report"
    assert "cfdna-erbb2: per-sample metrics" in text
    assert is_png(browser.screenshot(tmp_path / "multiqc_report.png"))
    assert browser.errors() == []


# ---- contents ---------------------------------------------------------------------------


def multiqc_table(study: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(study / "results" / "multiqc" / "multiqc_data" / name, sep="\t")


def test_multiqc_report_holds_every_sample_and_the_pipelines_numbers(fastq_study: Path) -> None:
    page = (fastq_study / MULTIQC).read_text(encoding="utf-8")
    calls = read_tsv(fastq_study / "results" / "erbb2" / "calls.tsv")
    qc = read_tsv(fastq_study / "results" / "qc" / "qc.tsv").set_index("sample")
    for sample in read_tsv(fastq_study / "truth.tsv")["sample"]:
        assert sample in page, f"{sample} missing from the MultiQC report"
    for section in ("samtools", "cfdna_erbb2_metrics", "cfdna_erbb2_fragment_lengths"):
        assert f'id="{section}"' in page, f"no {section} section"
    # Opens offline: no tag fetches from the network (script bodies left out: MultiQC's
    # markdown library holds an emoji table of <img> strings that are never drawn).
    tags = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", page, flags=re.DOTALL)
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", tags)
    # samtools stats counted the reads the pipeline counted (two per pair).
    stats = multiqc_table(fastq_study, "multiqc_samtools_stats.txt").set_index("Sample")
    assert set(stats.index) == set(calls["sample"])
    for sample, row in stats.iterrows():
        assert row["raw_total_sequences"] == 2 * qc.loc[sample, "read_pairs"], sample
    # The custom content carries the calls table's numbers and call, sample by sample.
    custom = multiqc_table(fastq_study, "multiqc_cfdna_erbb2_metrics_table.txt").set_index("Sample")
    for row in calls.itertuples():
        shown = custom.loc[row.sample]
        assert shown["erbb2_pcn"] == pytest.approx(row.erbb2_pcn, rel=1e-4, nan_ok=True), row.sample
        expected = "amplified" if row.amplified else "not amplified"
        assert shown["call"] == (expected if row.evaluable else "not evaluable"), row.sample


def test_cohort_seg_has_every_sample_and_its_erbb2_segment(fastq_study: Path) -> None:
    results = fastq_study / "results"
    seg = pd.read_csv(results / "cnvkit" / "cohort.seg", sep="\t", dtype={"chrom": str})
    assert list(seg.columns) == ["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"]
    calls = read_tsv(results / "erbb2" / "calls.tsv")
    assert set(seg["ID"]) == set(calls["sample"])
    for row in calls.itertuples():
        cns = pd.read_csv(
            results / "cnvkit" / f"{row.sample}.cns", sep="\t", dtype={"chromosome": str}
        )
        mine = seg[seg["ID"] == row.sample]
        assert len(mine) == len(cns), row.sample
        assert (mine["loc.start"].to_numpy() == cns["start"].to_numpy() + 1).all(), row.sample
        if pd.isna(row.segment_start):
            continue
        # The CBS segment holding ERBB2 that the call names, in IGV's 1-based coordinates.
        erbb2 = mine[
            (mine["chrom"] == row.locus_chrom)
            & (mine["loc.start"] == int(row.segment_start) + 1)
            & (mine["loc.end"] == int(row.segment_end))
        ]
        assert len(erbb2) == 1, row.sample
        if not pd.isna(row.segment_log2):  # empty for a sample that is not evaluable
            assert erbb2["seg.mean"].iloc[0] == pytest.approx(row.segment_log2, abs=1e-5)
        if row.amplified and row.locus_source == "segment":
            assert erbb2["seg.mean"].iloc[0] > 0.3, (row.sample, "amplified, but no raised segment")
    amplified = calls[calls["amplified"] & (calls["locus_source"] == "segment")]
    assert len(amplified) >= 2, "the demo has amplified baselines"


def test_provenance_names_the_version_config_and_tables(
    fastq_study: Path, demo_report: Path
) -> None:
    results = fastq_study / "results"
    record = json.loads((results / "provenance.json").read_text())
    assert record["pipeline"]["version"] == __version__
    study_config = yaml.safe_load((fastq_study / "config.yaml").read_text())
    defaults = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config = record["config"]
    assert record["config_sha256"] == config_checksum(config)
    assert config["samples"] == study_config["samples"]
    assert config["reference"]["fasta"] == study_config["reference"]["fasta"]
    assert config["erbb2"]["z_min"] == study_config.get("erbb2", defaults["erbb2"])["z_min"]
    assert record["reference"]["fasta"] == study_config["reference"]["fasta"]
    for table in ("erbb2/calls.tsv", "qc/qc.tsv", "response/patients.tsv"):
        digest = hashlib.sha256((results / table).read_bytes()).hexdigest()
        assert record["outputs"][f"results/{table}"]["sha256"] == digest, table
    for tool in ("bwa", "samtools", "cnvkit", "R", "DNAcopy", "multiqc", "snakemake", "python"):
        assert record["tools"][tool], f"no version of {tool}"
    # The MultiQC report's header and the Snakemake report name the same run.
    assert record["config_sha256"] in (fastq_study / MULTIQC).read_text(encoding="utf-8")
    results = embedded_json(demo_report.read_text(encoding="utf-8"), "results")
    caption = results["results/provenance.json"]["caption"]
    assert f"cfdna-erbb2 {__version__}" in caption and record["config_sha256"] in caption
