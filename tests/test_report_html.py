"""The HTML report rendered in headless Chromium: every plot drew something, the trace
browser filled itself, hostile trace text stays text, and the page made no network request.

Network requests are read from Chromium's NetLog (``--log-net-log``): a request made by the
page carries the page's ``file://`` origin in its network isolation key, while the browser's
own background requests do not.  A control page that does request a loopback URL proves that
the check sees requests.  DNS is disabled (``--host-resolver-rules``) so nothing can leave the
machine either way.

Chromium is installed by .ci/run; without it the test is skipped locally, and fails under CI.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_report import run_report

CHROME = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
               if shutil.which(n)), None)

if CHROME is None and os.environ.get("CI"):
    raise RuntimeError("chromium is not installed, but CI must run the HTML rendering test "
                       "(.ci/run installs it with apt-get)")

pytestmark = pytest.mark.skipif(CHROME is None, reason="chromium not installed "
                                "(apt-get install chromium); the HTML rendering test needs it")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--no-first-run",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000"]


def render(page: Path, tmp: Path, name: str):
    """(DOM after scripts ran, page-initiated request URLs) of ``page``."""
    netlog = tmp / f"{name}.netlog.json"
    profile = tmp / f"{name}.profile"
    proc = subprocess.run([CHROME, *FLAGS, f"--user-data-dir={profile}",
                           f"--log-net-log={netlog}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = json.loads(netlog.read_text(encoding="utf-8"))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    urls = []
    for ev in log["events"]:
        p = ev.get("params") or {}
        if types.get(ev["type"]) == "URL_REQUEST_START_JOB" and "url" in p:
            from_page = "file://" in str(p.get("network_isolation_key", "")) or \
                p.get("initiator") not in (None, "not an origin")
            if from_page:
                urls.append(p["url"])
    return proc.stdout, urls


def _svg_blocks(dom: str):
    return dict(re.findall(r'<svg class="plot" data-plot="([a-z]+)"[^>]*>(.*?)</svg>', dom, re.S))


def test_report_renders_in_chromium(tmp_path):
    rc, _, page = run_report(tmp_path)
    assert rc == 0
    dom, requests = render(page, tmp_path, "report")
    plots = _svg_blocks(dom)
    assert set(plots) == {"pareto", "decomposition", "gap", "cost", "kappa", "labels"}
    for name, body in plots.items():
        marks = re.findall(r"<(circle|rect|path|line)\b", body)
        assert len(marks) >= 5, f"plot {name} drew {len(marks)} marks"
        assert "data-tip=" in body, f"plot {name} has no tooltips"
    assert re.search(r"data-tip=\"think-xl: accuracy", plots["pareto"])
    assert len(re.findall(r'<circle[^>]*class="pt small"', plots["kappa"])) >= 10
    # the browser script ran: groups listed, a trace shown with its loop highlighted
    assert re.search(r'<select id="group-select">(\s*<option[^>]*>[^<]+</option>){4}', dom)
    text = dom.split('id="trace-text"', 1)[1].split("</div>", 1)[0]
    assert 'class="hl hl-loop"' in text
    assert re.search(r'<ul id="trace-findings"><li>REP', dom)
    # hostile trace text is text: no element was created from it
    assert "<script>alert" not in dom and "<img src=\"x\"" not in dom and "<img src=x" not in dom
    assert requests == [], f"the page made network requests: {requests}"


def test_hostile_trace_shows_as_text(tmp_path):
    """Select the trace whose reasoning contains markup: it is shown escaped, as text."""
    rc, _, page = run_report(tmp_path)
    html = page.read_text(encoding="utf-8")
    # open the browser on chat-s's first trace, the hostile one (same page, a query-free hook)
    hook = "if (traces.length) init();"
    assert hook in html
    html = html.replace(hook, "gsel.value = 'chat-s-2024'; fillTraces();"
                              " for (var i = 0; i < traces.length; i++) if (traces[i].id === 'cs-1-0') show(i);")
    hostile = tmp_path / "hostile.html"
    hostile.write_text(html, encoding="utf-8")
    dom, requests = render(hostile, tmp_path, "hostile")
    text = dom.split('id="trace-text"', 1)[1].split("</div>", 1)[0]
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in text
    assert "&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    assert requests == []


def test_network_check_sees_requests(tmp_path):
    """Control: a page that does request a (closed) loopback port is caught."""
    page = tmp_path / "control.html"
    page.write_text('<!doctype html><img src="http://127.0.0.1:9/probe.png">'
                    '<script>fetch("http://127.0.0.1:9/probe.json").catch(function(){})</script>',
                    encoding="utf-8")
    _, requests = render(page, tmp_path, "control")
    assert "http://127.0.0.1:9/probe.png" in requests
    assert "http://127.0.0.1:9/probe.json" in requests
