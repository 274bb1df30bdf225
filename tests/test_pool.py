"""analysis.pipeline.pool: many cohorts through a few kept kernels, with a fresh kernel's results.

The dummy project of :mod:`pipeline_fixtures` (five notebooks) is run for two cohorts with one
:class:`~analysis.pipeline.pool.KernelPool`, and the second cohort once more without a pool:
the kept kernels must give the second cohort exactly what fresh kernels give it (stored
notebooks, key numbers, processed files), hold nothing of the first cohort, and a kernel that
failed a notebook must not be kept.
"""

from __future__ import annotations

import pipeline_fixtures as fx
import pytest

from analysis.pipeline.pool import KernelPool

pytestmark = pytest.mark.kernel

LEFTOVER = """\
assert "leftover_of_an_earlier_notebook" not in globals(), "a kept kernel kept a name"
leftover_of_an_earlier_notebook = cohort
import os
assert os.environ["COMPENDIUM_NOTEBOOK"] == "00_load", os.environ["COMPENDIUM_NOTEBOOK"]
from analysis import origin
assert not origin._FIRST_CALL, "calls noted for another notebook"
origin._FIRST_CALL["marker"] = None"""


def _second_cohort(root):
    raw = root / "data" / "raw" / "other"
    (raw / "extra").mkdir(parents=True)
    (raw / "scores.csv").write_text("score\n4\n5\n", encoding="utf-8")
    (raw / "extra" / "a.txt").write_text("a\n", encoding="utf-8")
    (raw / "extra" / "b.txt").write_text("b\n", encoding="utf-8")


def _outputs(root, cohort):
    snap = fx.snapshot(root, f"reports/{cohort}", f"data/processed/{cohort}")
    return {k: v for k, v in snap.items()
            if "/_log/" not in k and not k.endswith((".pipeline-state.json", ".kernel.log"))}


def _diff(pooled: bytes, own: bytes) -> str:
    import difflib

    return "\n".join(difflib.unified_diff(own.decode().splitlines(), pooled.decode().splitlines(),
                                         "fresh kernels", "kept kernels", lineterm="", n=1))


def test_kept_kernels_give_what_fresh_kernels_give(tmp_path):
    root = fx.build_project(tmp_path / "pooled")
    fx.add_cell(root, "00_load", LEFTOVER)
    _second_cohort(root)
    fresh = fx.copy_project(root, tmp_path / "fresh")
    with KernelPool() as pool:
        first, lines = fx.run_quiet(root, jobs=1, kernel_pool=pool)
        assert first == 0, "\n".join(lines)
        assert (pool.started, pool.reused) == (len(fx.NAMES), 0)
        second, lines = fx.run_quiet(root, cohort="other", jobs=1, kernel_pool=pool)
        assert second == 0, "\n".join(lines)
        assert (pool.started, pool.reused, pool.cleared) == (len(fx.NAMES),) * 3
    alone, lines = fx.run_quiet(fresh, cohort="other", jobs=1)
    assert alone == 0, "\n".join(lines)
    pooled, own = _outputs(root, "other"), _outputs(fresh, "other")
    assert sorted(pooled) == sorted(own)
    for timed in ("01_a", "02_b"):  # their last cell shows the length of a timestamp
        for suffix in (".ipynb", ".html"):
            assert pooled.pop(f"reports/other/{timed}{suffix}") and own.pop(
                f"reports/other/{timed}{suffix}")
    differ = [k for k in pooled if pooled[k] != own[k]]
    assert not differ, (differ, _diff(pooled[differ[0]], own[differ[0]]))
    assert b'"execution_count": 1' in pooled["reports/other/00_load.ipynb"]


def test_a_kernel_that_failed_a_notebook_is_not_kept(tmp_path):
    root = fx.build_project(tmp_path / "p")
    fx.add_cell(root, "03_c", 'assert cohort != "other", "this cohort fails"')
    _second_cohort(root)
    with KernelPool() as pool:
        assert fx.run_quiet(root, cohort="other", jobs=1, kernel_pool=pool)[0] == 1
        code, lines = fx.run_quiet(root, jobs=1, kernel_pool=pool)
        assert code == 0, "\n".join(lines)
        # 03_c's kernel failed and was shut down, so a new one ran it; 04_findings' kernel,
        # started ahead for "other" and not used, went back to the pool
        assert pool.started == len(fx.NAMES) + 1
        assert pool.reused == len(fx.NAMES) - 1


def test_a_closed_pool_starts_nothing(tmp_path):
    pool = KernelPool()
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.take("00_load", "python3", tmp_path, {}, [])


def test_closing_the_pool_shuts_its_kernels_down(tmp_path):
    import psutil

    def kernel_processes():
        return {c.pid: c for c in psutil.Process().children(recursive=True)
                if "ipykernel" in " ".join(c.cmdline())}

    root = fx.build_project(tmp_path / "p")
    before = kernel_processes()  # another test's kernel may still be shutting down
    pool = KernelPool()
    assert fx.run_quiet(root, jobs=1, kernel_pool=pool)[0] == 0
    kernels = [p for pid, p in kernel_processes().items() if pid not in before]
    assert len(kernels) == len(fx.NAMES)
    pool.close()  # returns once every kernel has been shut down
    running = [k for k in kernels if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    assert running == []
