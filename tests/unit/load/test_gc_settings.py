import gc

from harness.load.gc_settings import GC_THRESHOLDS, PYTHON_GC_THRESHOLDS, tune_gc


def test_a_tuned_load_process_freezes_what_exists_and_collects_young_objects_later() -> None:
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0  # this process's objects, out of every collection
        assert GC_THRESHOLDS[0] > PYTHON_GC_THRESHOLDS[0]
    finally:
        tune_gc(False)
    assert gc.get_threshold() == PYTHON_GC_THRESHOLDS
    assert gc.get_freeze_count() == 0
