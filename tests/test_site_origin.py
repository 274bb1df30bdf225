"""Key numbers remember the cell and the package function that computed them (analysis.origin)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from analysis import origin
from analysis.report import keynumbers


class _Shell:
    """The bits of an IPython shell that analysis.origin reads."""

    def __init__(self):
        self.user_ns: dict = {}
        self.execution_count = 1
        self.history_manager = types.SimpleNamespace(input_hist_raw=[""])

    def run(self, source: str):
        self.history_manager.input_hist_raw.append(source)
        self.execution_count += 1
        exec(compile(source, "<cell>", "exec"), self.user_ns)


@pytest.fixture
def shell(monkeypatch):
    fake = _Shell()
    module = types.SimpleNamespace(get_ipython=lambda: fake)
    monkeypatch.setitem(sys.modules, "IPython", module)
    origin.forget()
    yield fake
    origin.forget()


@origin.computes("*_hl", "*_hl_ci_low")
def _estimate(x):
    return {"hl": x}


@origin.computes("*")
def _anything(x):
    return x


_fake_module: dict = {"__name__": "analysis.fake", "_estimate": _estimate}
exec("def _pipeline(x):\n    return _estimate(x)\n", _fake_module)  # a package function
_pipeline = _fake_module["_pipeline"]

@origin.returns_key_numbers
def _numbers(x):
    return {"sdq_total_hl": x, "sdq_n": 3}




def test_outside_a_notebook_nothing_is_noted(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    origin.forget()
    _estimate(1)
    assert origin.origin_of("sdq_total_hl") is None


def test_the_computing_cell_and_function_win_over_the_recording_cell(shell):
    shell.user_ns.update(pipeline=_pipeline, numbers=_numbers, anything=_anything)
    shell.run("anything(0)")
    shell.run("r = pipeline(2)")
    shell.run("k = numbers(2)")
    hl = origin.origin_of("sdq_total_hl")
    assert hl.source == "r = pipeline(2)"
    assert hl.function.endswith("_estimate") and hl.via == "analysis.fake._pipeline"
    n = origin.origin_of("sdq_n")  # only the generic '*' claims it: the most literal pattern wins
    assert n.function.endswith("_anything") and n.source == "anything(0)"


def test_a_key_only_a_key_number_function_returns_lands_where_it_was_called(shell):
    shell.user_ns.update(numbers=_numbers)
    shell.run("k = numbers(2)")
    call = origin.origin_of("sdq_n")
    assert call.source == "k = numbers(2)" and call.function.endswith("_numbers")
    assert call.via == call.function  # the cell called it itself
    assert origin.origin_of("unknown_key") is None


def test_only_the_first_call_is_noted(shell):
    shell.user_ns.update(pipeline=_pipeline)
    shell.run("pipeline(1)")
    shell.run("pipeline(2)")
    assert origin.origin_of("x_hl").source == "pipeline(1)"


def test_sources_keep_function_and_cell_and_old_files_still_read(tmp_path):
    keynumbers.write_fragment({"a_n": 1, "b": 2}, cohort="c", stage="01_x", root=tmp_path)
    keynumbers.write_sources({"a_n": {"cell": 5, "function": "analysis.m.f", "via": "analysis.m.g",
                                      "recorded": 9}}, cohort="c", stage="01_x", root=tmp_path)
    assert keynumbers.read_origins("c", root=tmp_path) == {"a_n": {
        "stage": "01_x", "cell": 5, "function": "analysis.m.f", "via": "analysis.m.g",
        "recorded": 9}}
    file = tmp_path / "data/processed/c/key_numbers/sources/01_x.json"
    file.write_text(json.dumps({"b": 4}), encoding="utf-8")  # the format before origins
    assert keynumbers.read_sources("c", root=tmp_path) == {"b": ("01_x", 4)}


def test_every_declared_pattern_is_a_pattern_for_key_names():
    import analysis.follow_up.power  # noqa: F401 - import the declaring modules
    import analysis.qualitative.agreement  # noqa: F401
    import analysis.questionnaires.outcomes  # noqa: F401
    import analysis.stats.location  # noqa: F401
    import analysis.trajectories.costs  # noqa: F401

    declared = origin.declared()
    assert "analysis.stats.location.hodges_lehmann" in declared
    assert "analysis.qualitative.agreement.krippendorff_alpha" in declared
    for name, patterns in declared.items():
        for pattern in patterns:
            assert keynumbers.KEY_PATTERN.match(pattern.replace("*", "x")), (name, pattern)
