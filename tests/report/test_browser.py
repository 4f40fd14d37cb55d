"""The HTML report in a real browser (headless Chromium): figures load, tables render, links
resolve, also after the report directory was copied elsewhere. Runs where Chromium is installed
(`.ci/run` installs the Debian package)."""

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from helpers.browser import CHROMIUM, probe_page
from helpers.synthetic_sweep import write_sweep
from hepscaling.report import build_report

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser: {CHROMIUM} missing "
                                "(apt-get install chromium; .ci/run does)")


def test_a_copied_report_loads_in_a_browser(tmp_path):
    report = build_report(write_sweep(tmp_path / "sweep", seeds=1), tmp_path / "report",
                          bootstrap=5)
    copy = shutil.copytree(tmp_path / "report", tmp_path / "elsewhere" / "copy")
    shutil.rmtree(tmp_path / "report")  # nothing may point back to the original
    # a broken image added on purpose: the probe must see it fail
    page = probe_page(copy / "index.html", '<img src="missing.png">')

    *images, broken = page["images"]
    assert len(images) == len([f for f in report.figures if f.suffix == ".png"]) > 0
    assert broken["width"] == 0
    for image in images:
        assert image["width"] > 0, f"{image['src']} did not load"
        assert Path(unquote(urlparse(image["src"]).path)).parent == copy
    assert page["tables"] and all(t["rows"] > 1 and t["height"] > 0 for t in page["tables"])
    assert page["links"]
    for link in page["links"]:
        target = Path(unquote(urlparse(link).path))
        assert urlparse(link).scheme == "file" and target.parent == copy and target.is_file(), \
            f"broken link {link}"
