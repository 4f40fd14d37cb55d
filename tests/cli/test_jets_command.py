"""``hepscaling jets generate``: help, one-line usage errors, clean JSON on stdout."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from hepscaling.cli import app
from hepscaling.errors import UsageError


def test_help_ends_with_an_example():
    result = CliRunner().invoke(app, ["jets", "generate", "--help"])
    assert result.exit_code == 0
    assert "Example: hepscaling jets generate --classes qcd,w,top" in result.output


@pytest.mark.parametrize(("args", "fragment"), [
    (("--classes", "w,gluino"), "unknown jet class 'gluino'")])
def test_bad_input_is_a_one_line_usage_error(tmp_path, args, fragment):
    # the root's main() turns UsageError into exit code 2 and one stderr line (tests/cli)
    result = CliRunner().invoke(app, ["jets", "generate", "--out", str(tmp_path / "x.h5"),
                                      *args])
    assert isinstance(result.exception, UsageError)
    assert fragment in str(result.exception) and "\n" not in str(result.exception)
    assert not (tmp_path / "x.h5").exists()


def test_generate_prints_a_json_summary(tmp_path):
    out = tmp_path / "w.h5"
    result = subprocess.run([sys.executable, "-m", "hepscaling.cli", "jets", "generate",
                             "--classes", "w", "-n", "3", "--out", str(out), "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    summary = json.loads(result.stdout)  # nothing else (no FastJet banner) on stdout
    assert summary["per_label"] == {"label_Wqq": 3}
    assert 40 < summary["median_sdmass_gev"]["label_Wqq"] < 130
