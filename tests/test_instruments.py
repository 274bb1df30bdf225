"""analysis.questionnaires.instruments: definitions as data, validated, with sources; new instruments need no code."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from analysis.errors import ConfigError
from analysis.questionnaires import instruments, scoring

SHIPPED = ["ari_cp", "obvl", "sdq", "wai_sr"]


def test_every_shipped_definition_loads():
    assert instruments.available() == SHIPPED
    for instrument_id in SHIPPED:
        assert instruments.load_instrument(instrument_id).id == instrument_id


def test_unknown_instrument_lists_the_defined_ones():
    with pytest.raises(ConfigError, match="defined instruments: ari_cp, obvl, sdq, wai_sr"):
        instruments.load_instrument("cbcl")


def test_sdq_structure_used_by_the_synthetic_cohort_is_kept():
    sdq = instruments.load_instrument("sdq")
    assert sdq.item_column(7) == "sdq_07"
    assert sdq.item_columns[0] == "sdq_01" and len(sdq.item_columns) == 25
    assert sdq.reversed == (7, 11, 14, 21, 25)
    assert sdq.default_cutoff_scheme == "uk_3band"
    uk = sdq.cutoffs["uk_3band"]
    assert uk["elevated_from"] == "borderline"
    assert uk["scales"]["total"] == [{"band": "normal", "from": 0}, {"band": "borderline", "from": 14},
                                     {"band": "abnormal", "from": 17}]


def test_ari_cp_placeholder_key_is_marked_and_high_from_mean_three():
    ari = instruments.load_instrument("ari_cp")
    assert ari.placeholder and ari.n_items == 48
    scheme = ari.scheme()
    assert scheme.placeholder and scheme.elevated_from == "high"
    for scale in ("secure", "avoidant", "ambivalent", "disorganized"):
        assert dict((band, low) for low, band in scheme.groups[0].scales[scale])["high"] == 3.0


def test_obvl_is_a_clearly_marked_placeholder_with_34_items_answered_1_to_4():
    obvl = instruments.load_instrument("obvl")
    assert obvl.placeholder and obvl.n_items == 34
    assert (obvl.response_min, obvl.response_max) == (1, 4)
    assert obvl.file == "obvl.csv" and list(obvl.scales) == ["total"]
    assert len(obvl.scales["total"].items) == 34


def test_wai_sr_key_task_bond_goal():
    wai = instruments.load_instrument("wai_sr")
    assert {n: s.items for n, s in wai.scales.items()} == {
        "task": (1, 2, 10, 12), "bond": (3, 5, 7, 9), "goal": (4, 6, 8, 11)}
    assert wai.composites["total"]["sum_of"] == ["task", "bond", "goal"]
    assert not wai.placeholder and wai.reversed == ()


def test_every_item_belongs_to_exactly_one_scale_of_the_verified_keys():
    for instrument_id in ("sdq", "wai_sr"):
        inst = instruments.load_instrument(instrument_id)
        items = sorted(i for s in inst.scales.values() for i in s.items)
        assert items == list(range(1, inst.n_items + 1))


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_every_usable_scheme_parses_and_has_a_source(instrument_id):
    inst = instruments.load_instrument(instrument_id)
    for name, raw in inst.cutoffs.items():
        assert raw.get("source"), f"{instrument_id}.{name} needs a source"
        if name == "uk_4band":
            continue
        scheme = inst.scheme(name)
        assert scheme.elevated_from in scheme.bands


def test_uk_4band_is_a_placeholder_without_unverified_numbers():
    sdq = instruments.load_instrument("sdq")
    raw = sdq.cutoffs["uk_4band"]
    assert raw["placeholder"] is True
    assert all(v is None for v in raw["scales"].values())
    with pytest.raises(ConfigError, match="no verified thresholds"):
        sdq.scheme("uk_4band")


def test_every_reliable_change_parameter_has_a_source_and_a_valid_range():
    sdq = instruments.load_instrument("sdq")
    # externalising/internalising (0.80, 3.3) are traced to Maurice-Stam 2018 Table 2 (6-11 y)
    # and Vugteveen 2022 Table 2, so they are kept
    assert set(sdq.reliable_change) == {"emotional", "conduct", "hyperactivity", "peer",
                                        "prosocial", "total", "externalising", "internalising"}
    for p in sdq.reliable_change.values():
        assert 0 < p.reliability < 1 and p.sd > 0 and p.source
    for group in sdq.rci_age_groups:  # every entered value has its table; nulls are None
        assert group.reliability_kind in instruments.RELIABILITY_KINDS
        for reliability, sd, source in group.scales.values():
            assert (reliability is not None or sd is not None) and "Table" in source
    assert sdq.rci_criterion == 1.96


def test_unknown_scheme_names_the_defined_schemes():
    with pytest.raises(ConfigError, match="uk_3band"):
        instruments.load_instrument("sdq").scheme("us_norms")


def test_directions():
    sdq = instruments.load_instrument("sdq")
    assert sdq.is_higher_worse("total") and not sdq.is_higher_worse("prosocial")
    assert sdq.all_scales == ["emotional", "conduct", "hyperactivity", "peer", "prosocial",
                              "total", "externalising", "internalising", "impact"]


NEW_INSTRUMENT = """\
id: mood
name: Stemming (test)
file: mood.csv
item_prefix: mood_
n_items: 4
item_width: 1
response: {min: 1, max: 3, labels: {nooit: 1, soms: 2, vaak: 3}}
reversed: [4]
scale_score: prorated_sum
scales:
  low: {label: Somber, items: [1, 2, 3, 4], min_answered: 3}
higher_is_worse: [low]
default_cutoff_scheme: test
cutoffs:
  test:
    source: test only
    elevated_from: high
    bands: [ok, high]
    scales:
      low: [{band: ok, from: 0}, {band: high, from: 9}]
reliable_change:
  scales:
    low: {reliability: 0.5, sd: 1.0, source: test only}
"""


def test_a_new_instrument_needs_only_a_yaml_file(tmp_path):
    (tmp_path / "mood.yaml").write_text(NEW_INSTRUMENT, encoding="utf-8")
    assert instruments.available(folder=tmp_path) == ["mood"]
    mood = instruments.load_instrument("mood", folder=tmp_path)
    data = pd.DataFrame({"family_id": ["F1", "F2"], "mood_1": ["Vaak", 1], "mood_2": [3, 1],
                         "mood_3": [3, None], "mood_4": [1, 3]})
    scores = scoring.score_instrument(data, mood)
    # F1: 3 + 3 + 3 + (4 - 1 = 3) = 12 -> high; F2: (1 + 1 + (4 - 3 = 1)) * 4 / 3 = 4 -> ok
    assert scores["mood_low"].tolist() == [12.0, 4.0]
    assert scores["mood_low_band"].tolist() == ["high", "ok"]
    assert scores["mood_low_answered"].tolist() == [4, 3]


@pytest.mark.parametrize("old, new", [
    ("  low: {label: Somber, items: [1, 2, 3, 4], min_answered: 3}",
     "  low: {label: Somber, items: [1, 2, 3, 5], min_answered: 3}"),
    ("reversed: [4]", "reversed: [0]"),
    ("elevated_from: high", "elevated_from: severe"),
    ("{band: high, from: 9}", "{band: high, from: 0}"),
    ("higher_is_worse: [low]", "higher_is_worse: [lo]"),
    ("scale_score: prorated_sum", "scale_score: median"),
    ("low: {reliability: 0.5,", "low: {reliability: 1.5,"),
])
def test_malformed_definitions_are_config_errors(tmp_path, old, new):
    text = NEW_INSTRUMENT.replace(old, new)
    assert text != NEW_INSTRUMENT
    path = tmp_path / "mood.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="mood.yaml|mood cut-off scheme"):
        instruments.load_instrument_file(path).scheme()


def test_missing_required_key_and_duplicate_ids(tmp_path):
    (tmp_path / "a.yaml").write_text(NEW_INSTRUMENT.replace("n_items: 4\n", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match="missing required key 'n_items'"):
        instruments.load_instrument("mood", folder=tmp_path)
    other = tmp_path / "dups"
    other.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (other / name).write_text(NEW_INSTRUMENT, encoding="utf-8")
    with pytest.raises(ConfigError, match="already used by a.yaml"):
        instruments.available(folder=other)


def test_composites_must_sum_known_scales(tmp_path):
    path = tmp_path / "mood.yaml"
    path.write_text(NEW_INSTRUMENT + "composites:\n  both: {sum_of: [low, high]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown scales"):
        instruments.load_instrument_file(path)


def test_yaml_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(textwrap.dedent("- just\n- a list\n"), encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        instruments.load_instrument_file(path)
