"""Directory locks: a second holder gets one line naming the directory, the holder and the fix."""

import pytest

from hepscaling.errors import UsageError
from hepscaling.locks import directory_lock, is_locked


def test_a_second_holder_gets_what_and_fix(tmp_path):
    with directory_lock(tmp_path, ".x.lock", what="run directory", fix="wait for it"):
        assert is_locked(tmp_path, ".x.lock") and not is_locked(tmp_path, ".y.lock")
        with pytest.raises(UsageError, match=rf"^run directory {tmp_path} is in use by pid "
                                             r"\d+; wait for it$"), \
                directory_lock(tmp_path, ".x.lock", what="run directory", fix="wait for it"):
            pass
    assert not is_locked(tmp_path, ".x.lock")
