"""The Superset dashboard (issue 19): built from a freshly published sample warehouse by the
dashboard code in `dashboard/superset/`, served on loopback, and rendered in headless Chromium.
Every chart must be drawn with data (no error, no "No results"), the first screen must carry
the $400M and the central ratio read from the mart, and a screenshot is written
(`warehouse/dashboard/screenshot.png`, or HOUSE_EDGE_DASHBOARD_SCREENSHOT).

Needs the dashboard's own virtual environment (`.venv-superset`, made by `make dashboard` or
`make test-dashboard`) and Debian's chromium; skips, saying which is missing, otherwise."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from house_edge.access import connect_published

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "dashboard" / "superset" / "house_edge_dashboard.py"
SUPERSET_VENV = Path(os.environ.get("HOUSE_EDGE_SUPERSET_VENV", ROOT / ".venv-superset"))
SUPERSET_PYTHON = SUPERSET_VENV / "bin" / "python"
SCREENSHOT = Path(os.environ.get("HOUSE_EDGE_DASHBOARD_SCREENSHOT",
                                 ROOT / "warehouse" / "dashboard" / "screenshot.png"))
SLUG = "house-edge"
VIEWPORT = (1440, 1000)  # the "first screen"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def needs_superset_and_chromium(test):
    """The rendering tests: skipped, saying what to install, without Superset or Chromium."""
    test = pytest.mark.skipif(
        not SUPERSET_PYTHON.exists(),
        reason=f"Superset is not installed ({SUPERSET_PYTHON} missing): "
               "`make test-dashboard` installs it and runs this test")(test)
    return pytest.mark.skipif(
        _chromium() is None,
        reason="headless Chromium not installed (`make system-deps` installs it)")(test)


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
    JSON messages separated by NUL on fds 3/4), so no websocket library or driver is needed."""

    def __init__(self, width: int, height: int):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def _fds() -> None:  # in the child: the protocol's fixed descriptors
            # via spare numbers, so that a pipe already on 3 or 4 is not clobbered
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--remote-debugging-pipe", "--no-first-run",
             f"--window-size={width},{height}", "about:blank"],
            preexec_fn=_fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.send("Page.enable", session=True)
        self.send("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=height, deviceScaleFactor=1, mobile=False)

    def send(self, method: str, session: bool = False, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe during {method}")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)


# What each chart holder on the page shows: drawn marks (canvas pixels, SVG shapes), table rows,
# a big number; or an error / empty-result message.
PROBE = """
(() => {
  const holders = [...document.querySelectorAll('.dashboard-component-chart-holder')]
    .filter(h => h.querySelector('.chart-slice, [data-test="chart-container"], .slice_container'));
  return holders.map(h => {
    const title = (h.querySelector('[data-test="editable-title"], .header-title, '
                   + '[data-test="slice-header"]') || {}).innerText || '';
    let painted = 0;
    for (const c of h.querySelectorAll('canvas')) {
      try {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 16) if (d[i] > 0) painted++;
      } catch (e) {}
    }
    const text = h.innerText || '';
    return {
      title: title.trim(),
      painted,
      tableRows: h.querySelectorAll('table tbody tr').length,
      bigNumber: ((h.querySelector('.header-line') || {}).innerText || '').trim(),
      loading: !!h.querySelector('.loading, [aria-label="Loading"]'),
      error: !!h.querySelector('.alert-danger, .ant-alert-error, [data-test="error-tooltip"]')
             || /Unexpected error|An error occurred|Error:/.test(text),
      noResults: /No results were returned|No data/.test(text),
      top: h.getBoundingClientRect().top + window.scrollY,
      text: text.slice(0, 400),
    };
  });
})()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 10) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
        return response.read()


@pytest.fixture(scope="module")
def dashboard(published_sample, tmp_path_factory):
    """The dashboard built over a freshly published sample, served on a free loopback port."""
    home = tmp_path_factory.mktemp("dashboard_home")
    env = os.environ | {"HOUSE_EDGE_DASHBOARD_HOME": str(home),
                        "SUPERSET_CONFIG_PATH": str(DASHBOARD.parent / "superset_config.py")}
    built = subprocess.run([str(SUPERSET_PYTHON), str(DASHBOARD), "build", "--warehouse",
                            str(published_sample)], env=env, timeout=900,
                           capture_output=True, text=True)
    assert built.returncode == 0, f"dashboard build failed:\n{built.stderr[-3000:]}"
    port = _free_port()
    server = subprocess.Popen([str(SUPERSET_PYTHON), str(DASHBOARD), "serve", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                if _get(f"{base}/health", timeout=5) == b"OK":
                    break
            except OSError:
                pass
            assert server.poll() is None, "superset run exited"
            assert time.monotonic() < deadline, "Superset did not answer /health in 240 s"
            time.sleep(2)
        yield base, published_sample
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def rendered(dashboard):
    """The dashboard page after every chart has finished loading: the probe, the text of the
    first screen, and the screenshot's path."""
    base, _ = dashboard
    charts = json.loads(_get(f"{base}/api/v1/dashboard/{SLUG}/charts", timeout=60))["result"]
    browser = Chromium(*VIEWPORT)
    try:
        browser.send("Page.navigate", session=True, url=f"{base}/superset/dashboard/{SLUG}/")
        deadline = time.monotonic() + 240
        probe: list[dict] = []
        while time.monotonic() < deadline:
            time.sleep(3)
            probe = browser.evaluate(PROBE) or []
            settled = [c for c in probe if not c["loading"] and (
                c["painted"] or c["tableRows"] or c["bigNumber"]
                or c["error"] or c["noResults"])]
            if len(probe) >= len(charts) and len(settled) == len(probe):
                break
        time.sleep(2)  # let the last animations finish before the picture
        probe = browser.evaluate(PROBE) or []
        first_screen = browser.evaluate(f"""
            (() => {{
              const out = [];
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              while (walker.nextNode()) {{
                const r = walker.currentNode.parentElement.getBoundingClientRect();
                if (r.bottom > 0 && r.top < {VIEWPORT[1]} && r.width > 0)
                  out.push(walker.currentNode.textContent);
              }}
              return out.join(' ');
            }})()""")
        shot = browser.send("Page.captureScreenshot", session=True, format="png")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        import base64

        SCREENSHOT.write_bytes(base64.b64decode(shot["data"]))
        print(f"\ndashboard screenshot (first screen): {SCREENSHOT}")
    finally:
        browser.close()
    return charts, probe, first_screen


@needs_superset_and_chromium
def test_every_chart_is_drawn_with_data(rendered):
    charts, probe, _ = rendered
    assert len(charts) >= 10
    assert len(probe) == len(charts), (
        f"{len(charts)} charts on the dashboard, {len(probe)} on the page: "
        + "; ".join(c["title"] for c in probe))
    for chart in probe:
        where = f"chart {chart['title']!r}: {chart['text'][:200]!r}"
        assert not chart["error"], f"{where} shows an error"
        assert not chart["noResults"], f"{where} has no data"
        assert not chart["loading"], f"{where} is still loading"
        # (SVG icons sit in every header: only canvas pixels, rows or a number count)
        drawn = (chart["painted"] > 200 or chart["tableRows"] > 0
                 or chart["bigNumber"] not in ("", "N/A"))
        assert drawn, f"{where} drew nothing"


@needs_superset_and_chromium
def test_first_screen_carries_the_400m_and_the_central_ratio_from_the_mart(dashboard, rendered):
    _, warehouse = dashboard
    _, probe, first_screen = rendered
    with connect_published(warehouse) as con:
        face, ratio, income = con.execute(
            "select face_value_usd, relief_to_fee_income_ratio, fee_income_usd "
            "from marts.fct_relief_to_fee_income where venue = 'binance' "
            "and relief_kind = 'relief' and is_exchange_funded "
            "and basis = 'published_scaled' and scenario = 'central'").fetchone()
    face, ratio, income = float(face), float(ratio), float(income)  # DOUBLE or DECIMAL marts
    assert f"${face / 1e6:,.0f}M" == "$400M"
    assert "$400M" in first_screen
    assert f"{ratio:.1f}x" in first_screen, first_screen[:1500]
    assert f"${income / 1e6:,.1f}M" in first_screen
    # the answer is drawn on the first screen, above every other chart
    headline = next(c for c in probe if "$400M" in c["text"])
    assert headline["top"] < VIEWPORT[1]
    assert headline["top"] == min(c["top"] for c in probe)


@needs_superset_and_chromium
def test_a_screenshot_is_written(rendered):
    assert SCREENSHOT.exists()
    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_the_exposure_points_at_the_dashboard_and_lists_the_marts_it_reads():
    """models/exposures.yml: one dashboard exposure, at the served address, depending on
    exactly the marts the dashboard's datasets read (no dashboard that does not exist)."""
    import importlib.util

    import yaml

    spec = importlib.util.spec_from_file_location("house_edge_dashboard", DASHBOARD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exposures = yaml.safe_load((ROOT / "models" / "exposures.yml").read_text())["exposures"]
    dashboards = [e for e in exposures if e["type"] == "dashboard"]
    assert [e["name"] for e in dashboards] == ["house_edge_dashboard"]
    (exposure,) = dashboards
    assert exposure["url"] == f"http://127.0.0.1:8088/superset/dashboard/{SLUG}/"
    refs = sorted(r.removeprefix("ref('").removesuffix("')") for r in exposure["depends_on"])
    assert refs == module.marts_read()
