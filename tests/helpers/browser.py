"""Open an HTML page in headless Chromium and report what the browser made of it."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
#: Flags that work as root in a container without a display, GPU or network.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=5000")
#: Appended to the page: after the load event (every image fetched and decoded or failed) it
#: writes the images' natural widths, the tables' sizes and the links as the browser resolved
#: them into a <pre> that --dump-dom prints.
_PROBE = """<script>
window.addEventListener('load', () => {
  const pre = document.createElement('pre');
  pre.id = 'browser-probe';
  pre.textContent = JSON.stringify({
    images: [...document.images].map(i => ({src: i.src, width: i.naturalWidth})),
    tables: [...document.querySelectorAll('table')].map(t => ({rows: t.rows.length,
      height: t.getBoundingClientRect().height})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  });
  document.body.appendChild(pre);
});
</script>"""


def probe_page(index: Path, extra_html: str = "") -> dict:
    """Load ``index`` (with ``extra_html`` and the probe appended to its body, in place: pass a
    copy) in headless Chromium; returns ``{"images": [{"src", "width"}], "tables": [{"rows",
    "height"}], "links": [absolute URL]}``."""
    text = index.read_text()
    index.write_text(text.replace("</body>", f"{extra_html}{_PROBE}</body>"))
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                              index.resolve().as_uri()], capture_output=True, text=True,
                             timeout=60, check=True).stdout
    found = re.search(r'<pre id="browser-probe">(.*?)</pre>', dom, re.S)
    if found is None:
        raise AssertionError(f"the probe did not run in {index}; the page as loaded:\n{dom[:2000]}")
    return json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">"))
