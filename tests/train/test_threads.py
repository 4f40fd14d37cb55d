"""Default CPU threads: one for small models, never more than the cores."""

from hepscaling.train.threads import FLOPS_PER_THREAD, available_cores, default_threads


def test_small_steps_get_one_thread_and_large_ones_the_cores():
    assert default_threads(0.0) == 1
    assert default_threads(FLOPS_PER_THREAD * 0.99) == 1
    assert default_threads(2 * FLOPS_PER_THREAD) == min(2, available_cores())
    assert default_threads(1e30) == available_cores()
