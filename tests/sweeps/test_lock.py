"""One sweep per directory, and no stale lock after kill -9."""

import signal
import subprocess
import sys
import time

import pytest

from hepscaling.errors import UsageError
from hepscaling.sweeps.lock import is_locked, sweep_lock

HOLD = "from hepscaling.sweeps.lock import sweep_lock; import time\n" \
       "with sweep_lock({out!r}):\n    print('locked', flush=True); time.sleep(60)\n"


def test_second_holder_is_refused(tmp_path):
    assert not is_locked(tmp_path)
    with sweep_lock(tmp_path):
        assert is_locked(tmp_path)
        with pytest.raises(UsageError, match=r"is in use by pid \d+"), sweep_lock(tmp_path):
            pass
    assert not is_locked(tmp_path)


def test_a_killed_holder_releases_the_lock(tmp_path):
    with subprocess.Popen([sys.executable, "-c", HOLD.format(out=str(tmp_path))],
                          stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout.readline().strip() == "locked"
        assert is_locked(tmp_path)
        holder.send_signal(signal.SIGKILL)
    time.sleep(0.05)
    assert not is_locked(tmp_path)
    with sweep_lock(tmp_path):
        pass
