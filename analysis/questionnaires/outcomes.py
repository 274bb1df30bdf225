"""Questionnaire outcomes of a cohort: scores, the analysis set and the handreiking's chain.

The handreiking (Sociale Teams Helmond, 2024, "2. Effecten integrale samenwerking", "Wat
opvalt") reports a chain of shares on the families with both a baseline (T0) and an end (T1)
measurement:

1. at T0, the share with an elevated SDQ total difficulties score ("verhoogde totaalscore");
2. of those, the share high on experienced disorganized attachment (ARI-CP);
3. of those elevated *and* high disorganized, the share with a "significant" improvement at T1,
   read here as a reliable improvement of the SDQ total (Jacobson-Truax RCI);
4. of the same group, the share no longer high on disorganized at T1;
5. the share not elevated at T0, and 6. of those, the share low on disorganized.

The report defines neither "elevated" nor "significant" and its denominator in step 3 is
ambiguous (50% of 9 is not a whole number; 3 of 6 is the consistent reading). The choices are
parameters here: the cut-off scheme of each instrument and the RCI parameters in the instrument
definitions; :func:`chain_by_scheme` shows the chain under every SDQ scheme, and the chain adds
step 3 on the alternative denominator (all elevated) as a sensitivity row.

Every share comes with an exact Clopper-Pearson 95% interval (:func:`analysis.stats.intervals.proportion`).

Pairs, forms and informants (one documented rule, :data:`INFORMANT_RULE`): the change analyses
(group tests, McNemar, reliable change counts, the changes table the figures and the follow-up
planning read) use pairs of the same SDQ form and the same informant (the SDQ guidance prefers
one informant over time); a pair whose informant switched (mother at T0, father at T1) is counted,
listed and shown in a sensitivity analysis with it included (key numbers ``*_all_informants``);
a pair whose form switched is never a change. The chain reproduces a publication's counting and
is taken over every pair (a switched informant included, as the publication counted it); a
family without a band at T0 (its form has no verified norm) is left out of the chain's shares and
counted (``t0_band_unknown_n``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

import pandas as pd

from analysis.errors import ConfigError
from analysis.questionnaires import change, instruments, scoring
from analysis.questionnaires import forms as _forms
from analysis.stats import association as _association
from analysis.stats import intervals as _intervals
from analysis.stats import location as _location
from analysis.stats import paired as _paired
from analysis.stats import sensitivity
from analysis.stats.paired import DEFAULT_SEED

PRIMARY = "sdq"
MIN_GROUP = 2
"""Fewest values per group (attrition) or complete pairs (change tests) a test is run on."""
ATTACHMENT = "ari_cp"
STRESS = "obvl"
INFORMANT_RULE = "same_informant"
"""The primary analysis's pairing rule (:func:`analysis.questionnaires.change.primary_pairs`):
same form and same informant at T0 and T1. The sensitivity rule is ``any_informant``."""
SDQ_SCALES: tuple[str, ...] = ("total", "emotional", "conduct", "hyperactivity", "peer",
                               "prosocial")
"""SDQ scales tested for group change, the total first (primary outcome)."""


CHAIN_COLUMNS = ("step", "key", "label_nl", "k", "n", "proportion", "ci_low", "ci_high")


def score_all(tables: Mapping[str, pd.DataFrame], *, schemes: Mapping[str, str] | None = None,
              ages: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Score every defined instrument present in ``tables`` (validated tables by file stem).

    ``schemes`` maps instrument id -> cut-off scheme (default: the instrument's own). ``ages``
    (``family_id, child_age`` from the trajectories) is joined so that age-specific norms apply.
    Returns instrument id -> scores (one row per family per moment, see
    :func:`analysis.questionnaires.scoring.score_instrument`).
    """
    out = {}
    for instrument_id in instruments.available():
        data = tables.get(instrument_id)
        if data is None or data.empty:
            continue
        if ages is not None:
            data = data.merge(ages[["family_id", "child_age"]], on="family_id", how="left")
        scheme = (schemes or {}).get(instrument_id)
        out[instrument_id] = scoring.score_instrument(
            data, instrument_id, scheme=scheme,
            age="child_age" if ages is not None else None)
    return out


def families_with(scores: pd.DataFrame, *timepoints: str) -> set[str]:
    """Families with a row at every one of ``timepoints``."""
    present = [set(scores.loc[scores["timepoint"] == t, "family_id"]) for t in timepoints]
    return set.intersection(*present) if present else set()


def analysis_set(scores: Mapping[str, pd.DataFrame],
                 instrument_ids: Iterable[str] = (PRIMARY, ATTACHMENT)) -> list[str]:
    """Families with T0 and T1 on every one of ``instrument_ids`` that the cohort has, sorted."""
    sets = [families_with(scores[i], "T0", "T1") for i in instrument_ids if i in scores]
    return sorted(set.intersection(*sets)) if sets else []


def reliable_changes(scores: Mapping[str, pd.DataFrame], *,
                     schemes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """T0 -> T1 change of every scale of every scored instrument (one row per family x scale).

    Columns as :data:`analysis.questionnaires.change.RESULT_COLUMNS`; scales without reliable-change
    parameters get bands but no RCI.
    """
    parts = [change.reliable_change(s, i, scheme=(schemes or {}).get(i), age_column=(
        "child_age" if "child_age" in s.columns else None)) for i, s in sorted(scores.items())]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=list(change.RESULT_COLUMNS))


def published_chain(changes: pd.DataFrame, families: Iterable[str], *,
                    primary_scale: str = "total", attachment_scale: str = "disorganized",
                    confidence: float = 0.95) -> pd.DataFrame:
    """The handreiking's "Wat opvalt" chain on the analysis set ``families``.

    Parameters
    ----------
    changes : DataFrame
        Output of :func:`reliable_changes` (the SDQ ``total`` rows and, when the cohort has
        it, the ARI-CP ``disorganized`` rows; without them the chain holds the SDQ steps only,
        :data:`ATTACHMENT_STEPS` left out).
    families : iterable of str
        The analysis set (families with T0 and T1).

    Returns
    -------
    DataFrame
        One row per step with columns ``step, key, label_nl, k, n, proportion, ci_low,
        ci_high`` (proportions 0-1, exact interval). ``key`` is the key-number stem: the chain's
        counts are recorded as ``<key>_n`` by :func:`chain_key_numbers`.
    """
    fam = sorted(set(families))
    sdq = _scale_rows(changes, PRIMARY, primary_scale, fam)
    ari = _scale_rows(changes, ATTACHMENT, attachment_scale, fam)
    elevated = set(sdq.index[sdq["t0_elevated"].fillna(False).astype(bool)])
    banded = set(sdq.index[sdq["t0_elevated"].notna()])  # a form without a norm: no share
    not_elevated = banded - elevated
    high0 = set(ari.index[ari["t0_elevated"].fillna(False).astype(bool)])
    high1 = set(ari.index[ari["t1_elevated"].fillna(False).astype(bool)])
    improved = set(sdq.index[sdq["change_class"].fillna("") == "improved"])
    core = elevated & high0
    steps = [
        ("t0_elevated", "Verhoogde totaalscore SDQ bij de beginmeting", elevated, banded),
        ("t0_elevated_high_disorganized", "... van hen hoog op gedesorganiseerde hechting",
         core, elevated),
        ("t1_reliable_improvement", "... van hen betrouwbaar verbeterd (RCI) bij de eindmeting",
         improved & core, core),
        ("t1_disorganized_resolved", "... van hen niet meer hoog op gedesorganiseerd",
         core - high1, core),
        ("t0_not_elevated", "Geen verhoogde totaalscore bij de beginmeting", not_elevated, banded),
        ("t0_not_elevated_low_disorganized", "... van hen laag op gedesorganiseerde hechting",
         not_elevated - high0, not_elevated),
        ("t1_reliable_improvement_all_elevated",
         "Gevoeligheid: betrouwbaar verbeterd van alle verhoogden", improved & elevated, elevated),
    ]
    if not (changes["instrument"] == ATTACHMENT).any():  # not measured: no step, never a 0
        steps = [s for s in steps if s[0] not in ATTACHMENT_STEPS]
    rows = [_step(i + 1, key, label, len(hit), len(base), confidence)
            for i, (key, label, hit, base) in enumerate(steps)]
    return pd.DataFrame(rows, columns=list(CHAIN_COLUMNS))


ATTACHMENT_STEPS: frozenset[str] = frozenset({
    "t0_elevated_high_disorganized", "t1_reliable_improvement", "t1_disorganized_resolved",
    "t0_not_elevated_low_disorganized"})
"""Steps of :func:`published_chain` that need the attachment measure: without it they are left
out (their key numbers None), and the SDQ steps are still reported."""


CHAIN_KEYS: tuple[str, ...] = (
    "t0_elevated", "t0_elevated_high_disorganized", "t1_reliable_improvement",
    "t1_disorganized_resolved", "t0_not_elevated", "t0_not_elevated_low_disorganized",
    "t1_reliable_improvement_all_elevated")
"""The ``key`` of every step of :func:`published_chain`, in order."""


def chain_key_numbers(chain: pd.DataFrame, *, suffix: str = "") -> dict[str, int]:
    """Key numbers of a chain: ``<key>_n`` (count) for every step, and ``analysis_set_n``.

    Without a suffix also ``<key>_denominator_n``: the families the step's share is taken of
    (0 when the share cannot be computed).
    """
    numbers = {f"{row.key}_n{suffix}": int(row.k) for row in chain.itertuples()}
    if not suffix:
        numbers.update({f"{row.key}_denominator_n": int(row.n) for row in chain.itertuples()})
    first = chain.iloc[0]
    numbers[f"analysis_set_n{suffix}"] = int(first["n"])
    return numbers


def chain_by_scheme(scores: Mapping[str, pd.DataFrame], families: Iterable[str]) -> pd.DataFrame:
    """The chain under every usable SDQ cut-off scheme (the report does not define "elevated").

    Returns the chain rows with a leading ``scheme`` column; schemes that cannot be applied
    (placeholder thresholds) are left out.
    """
    attachment = (reliable_changes({ATTACHMENT: scores[ATTACHMENT]}) if ATTACHMENT in scores
                  else None)
    parts = []
    for name in usable_schemes(PRIMARY):  # only the SDQ changes depend on the scheme
        try:
            primary = reliable_changes({PRIMARY: scores[PRIMARY]}, schemes={PRIMARY: name})
        except ConfigError:  # no SDQ form in the cohort has verified thresholds under it
            continue
        chain = published_chain(pd.concat([primary, attachment], ignore_index=True)
                                if attachment is not None else primary, families)
        chain.insert(0, "scheme", name)
        parts.append(chain)
    if not parts:
        return pd.DataFrame(columns=["scheme", *CHAIN_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def usable_schemes(instrument_id: str) -> list[str]:
    """Cut-off schemes of an instrument that can be applied (unverified thresholds left out)."""
    instrument = instruments.load_instrument(instrument_id)
    names = []
    for name in instrument.cutoffs:
        try:
            instrument.scheme(name)
        except ConfigError:
            continue
        names.append(name)
    return names


def group_change(changes: pd.DataFrame, *, instrument: str = PRIMARY,
                 scales: Iterable[str] | None = None, seed: int | None = None) -> pd.DataFrame:
    """Wilcoxon (primary) and paired t (sensitivity) T0 -> T1 per scale, stacked (tidy)."""
    rows = changes[changes["instrument"] == instrument]
    wanted = list(scales) if scales is not None else list(dict.fromkeys(rows["scale"]))
    wide = rows.pivot(index="family_id", columns="scale", values=["t0", "t1"])
    wide.columns = [f"{scale}_{'T0' if t == 't0' else 'T1'}" for t, scale in wide.columns]
    options = {} if seed is None else {"seed": seed}
    return _paired.group_change(wide.reset_index(), scales=wanted, **options)


def mcnemar_elevated(changes: pd.DataFrame, *, instrument: str = PRIMARY,
                     scale: str = "total") -> pd.DataFrame:
    """Exact McNemar test of elevated (T0) vs elevated (T1) on one scale."""
    rows = changes[(changes["instrument"] == instrument) & (changes["scale"] == scale)]
    data = pd.DataFrame({"before": rows["t0_elevated"].astype("boolean"),
                         "after": rows["t1_elevated"].astype("boolean")}).dropna()
    return _paired.mcnemar_exact(data.astype(bool), before="before", after="after")


def attrition(scores: pd.DataFrame, families: Iterable[str], *, scales: Iterable[str],
              instrument: str = PRIMARY) -> pd.DataFrame:
    """T0 scores of baseline-only families vs the analysis set (Mann-Whitney per scale).

    Baseline-only = a T0 row and no T1 row. Returns one row per scale with the columns of
    :func:`analysis.stats.association.compare_groups` plus ``scale``; a scale is skipped when
    either group has fewer than :data:`MIN_GROUP` values (without any scale the table is empty
    and the notebook says so).
    """
    t0 = scores[scores["timepoint"] == "T0"].copy()
    baseline_only = families_with(scores, "T0") - families_with(scores, "T1")
    keep = set(families)
    t0["groep"] = t0["family_id"].map(
        lambda f: "analyseset" if f in keep else ("alleen T0" if f in baseline_only else None))
    t0 = t0.dropna(subset=["groep"])
    rows = []
    if t0["groep"].nunique() < 2:
        return pd.DataFrame()
    for scale in scales:
        column = f"{instrument}_{scale}"
        sizes = t0.dropna(subset=[column]).groupby("groep")[column].size()
        if sizes.reindex(["analyseset", "alleen T0"]).fillna(0).min() < MIN_GROUP:
            continue  # a rank test needs two values per group (a cohort of 2-3 families)
        result = _association.compare_groups(t0, value=column, group="groep",
                                             order=["analyseset", "alleen T0"])
        result.insert(0, "scale", scale)
        rows.append(result)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def dropout_pairs(scores: pd.DataFrame, *, column: str) -> pd.DataFrame:
    """T0 and T1 of ``column`` per family with a T0 value (``T1`` NaN for drop-outs), by id."""
    wide = scores[scores["timepoint"].isin(["T0", "T1"])].pivot_table(
        index="family_id", columns="timepoint", values=column, aggfunc="first", dropna=False)
    wide = wide.reindex(columns=["T0", "T1"])
    return wide[wide["T0"].notna()].sort_index()


def dropout_sensitivity(scores: pd.DataFrame, *, instrument: str = PRIMARY,
                        scale: str = "total", seed: int | None = None) -> dict | None:
    """Drop-out sensitivity of the change on one scale, using every family with a T0 score.

    Returns None when fewer than 3 families have T0 and T1 or nobody has T0 only. Otherwise
    a dict with ``mixed`` (:func:`analysis.stats.sensitivity.mixed_model_change` over every
    moment in the data, T0 first, under MAR: REML with Satterthwaite's df), ``imputation``
    (:func:`analysis.stats.sensitivity.tipping_points`: delta-adjusted multiple imputation of
    the missing T1 scores, with the shifts at which the pooled change, its 95% interval and the
    pooled Wilcoxon test reach 0 or 0.05; ``seed`` default
    :data:`analysis.stats._tidy.DEFAULT_SEED`), ``tipping_delta`` (the first of those: points the
    missing T1 scores would have to lie above their MAR prediction for the mean change over all
    families to be 0), ``tipping`` (the imputation's table by shift) and ``n_t0_only``.
    """
    column = f"{instrument}_{scale}"
    if column not in scores.columns:
        return None
    moments = sorted(scores["timepoint"].dropna().unique().tolist(), key=str)
    if "T0" not in moments or "T1" not in moments:
        return None
    order = ["T0", *[m for m in moments if m != "T0"]]
    wide = dropout_pairs(scores, column=column)
    complete, t0_only = int(wide["T1"].notna().sum()), int(wide["T1"].isna().sum())
    if complete < 3 or t0_only == 0 or wide.loc[wide["T1"].notna(), "T0"].nunique() < 2:
        return None
    mixed = sensitivity.mixed_model_change(scores, subject="family_id", time="timepoint",
                                           value=column, order=order)
    imputed = sensitivity.tipping_points(wide["T0"], wide["T1"],
                                         seed=DEFAULT_SEED if seed is None else seed)
    return {"mixed": mixed, "imputation": imputed, "tipping_delta": imputed.delta("estimate"),
            "tipping": imputed.table, "n_t0_only": t0_only}


def stress_and_attachment(changes: pd.DataFrame, *, stress_scale: str = "total",
                          attachment_scale: str = "disorganized",
                          seed: int = DEFAULT_SEED) -> pd.DataFrame | None:
    """The pilot's hypothesis: change in parenting stress vs change in disorganized attachment.

    Needs a parenting-stress instrument (OBVL) at T0 and T1; returns the per-family changes
    with the Spearman result in ``.attrs["spearman"]``, or None when the cohort has no
    stress measurement (the notebook then says which data would test the hypothesis).
    """
    stress = changes[(changes["instrument"] == STRESS) & (changes["scale"] == stress_scale)]
    attach = changes[(changes["instrument"] == ATTACHMENT) & (changes["scale"] == attachment_scale)]
    if stress.empty or attach.empty:
        return None
    both = stress[["family_id", "change"]].merge(
        attach[["family_id", "change"]], on="family_id", suffixes=("_stress", "_attachment"))
    both = both.dropna()
    if len(both) < 4:
        return None
    both.attrs["spearman"] = _association.spearman(both, x="change_stress", y="change_attachment",
                                                   seed=seed)
    return both


def _scale_rows(changes: pd.DataFrame, instrument: str, scale: str, families: list[str]):
    rows = changes[(changes["instrument"] == instrument) & (changes["scale"] == scale)]
    return rows.set_index("family_id").reindex(families)


def _step(number: int, key: str, label: str, k: int, n: int, confidence: float) -> dict:
    if n == 0:
        return {"step": number, "key": key, "label_nl": label, "k": k, "n": n,
                "proportion": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
    ci = _intervals.proportion(k, n, confidence=confidence).iloc[0]
    return {"step": number, "key": key, "label_nl": label, "k": k, "n": n,
            "proportion": float(ci["proportion"]), "ci_low": float(ci["ci_low"]),
            "ci_high": float(ci["ci_high"])}


@dataclass
class QuestionnaireResults:
    """Everything notebook 01 shows and hands on, computed by :func:`analyse_questionnaires`.

    Attributes
    ----------
    scores : dict of str to DataFrame
        Scores per instrument (one row per family per moment), with ``form`` for the SDQ.
    changes : DataFrame
        T0 -> T1 change per family x scale for every instrument, the primary pairs only (same
        form and informant, :data:`INFORMANT_RULE`): what the tests, figures and the follow-up
        planning use.
    changes_all : DataFrame
        Every pair with its ``pair_status`` (:func:`reliable_changes`): the chain and the
        sensitivity analysis.
    families : list of str
        The analysis set (T0 and T1 on the SDQ and, when present, the ARI-CP).
    chain, chain_schemes : DataFrame or None
        The handreiking's chain (:func:`published_chain`), and under every usable SDQ scheme;
        None when the SDQ or the ARI-CP is absent.
    tests, mcnemar, attrition : DataFrame or None
        Group change per SDQ scale, McNemar on elevated total, baseline-only vs analysis set.
    stress : DataFrame or None
        Per-family stress and attachment change (:func:`stress_and_attachment`).
    dropout : dict or None
        Drop-out sensitivity of the SDQ total (:func:`dropout_sensitivity`).
    tests_all_informants : DataFrame or None
        Group change of the SDQ total with the informant switches included (sensitivity).
    """

    scores: dict[str, pd.DataFrame]
    changes: pd.DataFrame
    families: list[str]
    changes_all: pd.DataFrame | None = None
    tests_all_informants: pd.DataFrame | None = None
    chain: pd.DataFrame | None = None
    chain_schemes: pd.DataFrame | None = None
    tests: pd.DataFrame | None = None
    mcnemar: pd.DataFrame | None = None
    attrition: pd.DataFrame | None = None
    stress: pd.DataFrame | None = None
    dropout: dict | None = None

    def has(self, instrument_id: str) -> bool:
        """Whether the cohort has scores of ``instrument_id``."""
        return instrument_id in self.scores

    def absent(self) -> list[str]:
        """Defined instruments the cohort has no data of."""
        return [i for i in instruments.available() if i not in self.scores]

    def key_numbers(self) -> dict[str, object]:
        """Flat key numbers (names as expected by ``analysis/definitions/claim_rules.yaml``).

        Every name of :func:`key_number_names` is present: what the data do not allow (an
        absent instrument, a chain step whose denominator is 0) is an explicit None, and a
        defined instrument without data has ``<id>_n`` 0.
        """
        numbers: dict[str, object] = dict.fromkeys(key_number_names())
        numbers["analysis_set_n"] = len(self.families)
        numbers.update({f"{i}{suffix}": 0 for i in instruments.available()
                        for suffix in ("_n", "_t0_only_n")})
        for instrument_id, scores in self.scores.items():
            numbers[f"{instrument_id}_n"] = len(families_with(scores, "T0", "T1"))
            numbers[f"{instrument_id}_t0_only_n"] = len(
                families_with(scores, "T0") - families_with(scores, "T1"))
        if self.chain is not None:
            numbers.update(chain_key_numbers(self.chain))
            numbers.update(_chain_percentages(self.chain))
        if self.chain_schemes is not None:
            for scheme, part in self.chain_schemes.groupby("scheme", sort=True):
                numbers.update(chain_key_numbers(part.reset_index(drop=True),
                                                 suffix=f"_{scheme}"))
        numbers.update(_test_numbers(self.tests, self.mcnemar, self.attrition, self.changes))
        numbers.update(_pair_numbers(self))
        numbers["analysis_set_n"] = len(self.families)
        numbers.update(_dropout_numbers(self.dropout, numbers.get("sdq_total_rci_threshold")))
        if self.stress is not None:
            rho = self.stress.attrs["spearman"].iloc[0]
            numbers.update(stress_rho=float(rho["statistic"]), stress_rho_ci_low=float(
                rho["ci_low"]), stress_rho_ci_high=float(rho["ci_high"]), stress_n=int(rho["n"]))
        return {key: None if _undefined(value) else value for key, value in numbers.items()}


def analyse_questionnaires(tables: Mapping[str, pd.DataFrame], *,
                           schemes: Mapping[str, str] | None = None,
                           scales: Iterable[str] = SDQ_SCALES,
                           seed: int = DEFAULT_SEED) -> QuestionnaireResults:
    """Score, pair and test every questionnaire of a cohort's validated ``tables``.

    ``schemes`` maps instrument id -> cut-off scheme (default: each instrument's own). Parts
    whose instrument is absent stay None, so a cohort without the ARI-CP still runs. ``seed``
    fixes every random number (bootstrap intervals, permutation p-values, the multiple
    imputation of the drop-out sensitivity).
    """
    trajectories = tables.get("trajectories")
    ages = trajectories[["family_id", "child_age"]] if trajectories is not None else None
    scores = score_all(tables, schemes=schemes, ages=ages)
    changes_all = reliable_changes(scores, schemes=schemes)
    changes = change.primary_pairs(changes_all, rule=INFORMANT_RULE)
    families = analysis_set(scores)
    results = QuestionnaireResults(scores=scores, changes=changes, families=families,
                                   changes_all=changes_all)
    if PRIMARY in scores:  # an empty analysis set: every share None; no ARI-CP: SDQ steps only
        results.chain = published_chain(changes_all, families)
        results.chain_schemes = chain_by_scheme(scores, families)
    primary_sdq = changes[changes["instrument"] == PRIMARY]
    complete = primary_sdq[(primary_sdq["scale"] == "total")].dropna(subset=["t0", "t1"])
    if PRIMARY in scores and len(complete) >= MIN_GROUP:  # a test needs two pairs
        results.tests = group_change(primary_sdq, scales=list(scales), seed=seed)
        total = primary_sdq[primary_sdq["scale"] == "total"]
        if (total["t0_elevated"].notna() & total["t1_elevated"].notna()).any():
            results.mcnemar = mcnemar_elevated(primary_sdq)  # a form without norms: no bands
        with_switches = change.primary_pairs(changes_all, rule="any_informant")
        with_switches = with_switches[with_switches["instrument"] == PRIMARY]
        if (with_switches["pair_status"] == "informant_switch").any():
            results.tests_all_informants = group_change(with_switches, scales=["total"],
                                                        seed=seed)
        paired = sorted(families_with(scores[PRIMARY], "T0", "T1"))
        results.attrition = attrition(scores[PRIMARY], paired, scales=list(scales)) if len(
            paired) else None
    results.stress = stress_and_attachment(changes, seed=seed)
    if PRIMARY in scores:
        # the same completers as the primary test: a family whose T0 and T1 the informant rule
        # does not pair (another informant or form at T1) is left out, not counted as complete
        sdq = scores[PRIMARY]
        unpaired = set(families_with(sdq, "T0", "T1")) - set(primary_sdq["family_id"])
        results.dropout = dropout_sensitivity(sdq[~sdq["family_id"].isin(unpaired)], seed=seed)
    return results


def _undefined(value: object) -> bool:
    """Whether ``value`` is a number that is not one (NaN: a statistic the data do not allow)."""
    return isinstance(value, float) and not math.isfinite(value)


def key_number_names() -> list[str]:
    """Every key number :meth:`QuestionnaireResults.key_numbers` records, whatever the data.

    The chain (:data:`CHAIN_KEYS`: count, denominator, percentage and interval; counts under
    every usable SDQ scheme), the instruments' pair counts, the group tests per SDQ scale
    (:data:`SDQ_SCALES`: Wilcoxon and t with Holm, Hodges-Lehmann, verdict), McNemar,
    attrition and the drop-out sensitivity, reliable change of the SDQ total and the stress
    hypothesis.
    """
    names = ["analysis_set_n"]
    names += [f"{i}{suffix}" for i in instruments.available() for suffix in ("_n", "_t0_only_n")]
    names += [f"{key}{suffix}" for key in CHAIN_KEYS
              for suffix in ("_n", "_denominator_n", "_pct", "_ci_low_pct", "_ci_high_pct")]
    for scheme in usable_schemes(PRIMARY):
        names += [f"{key}_n_{scheme}" for key in CHAIN_KEYS] + [f"analysis_set_n_{scheme}"]
    names += [f"sdq_{scale}_{test}_{what}" for scale in SDQ_SCALES for test in ("wilcoxon", "t")
              for what in ("p", "effect", "ci_low", "ci_high", "p_holm")]
    names += [f"sdq_{scale}_{what}" for scale in SDQ_SCALES
              for what in ("hl", "hl_ci_low", "hl_ci_high", "verdict_nl",
                           "wilcoxon_p_zero_dropped", "wilcoxon_ci_missing_reason")]
    names += ["sdq_total_wilcoxon_ci_coverage_low", "sdq_total_wilcoxon_ci_coverage_high",
              "sdq_total_hl_ci_zero_bound"]
    names += ["sdq_scales_tested_n"] + [f"sdq_total_{what}" for what in (
        "mixed_change", "mixed_ci_low", "mixed_ci_high", "mixed_converged", "mixed_n_families",
        "mixed_p", "mixed_df", "mixed_p_wald", "tipping_delta", "tipping_delta_ci",
        "tipping_delta_test", "tipping_delta_ci_rci_share", "mi_change", "mi_ci_low",
        "mi_ci_high", "mi_p", "mi_rank_p", "mi_imputations", "mi_seed")]
    names += ["sdq_total_mcnemar_p", "attrition_total_p", "attrition_total_median_set",
              "attrition_total_median_t0_only", "sdq_total_rci_threshold", "sdq_total_improved_n",
              "sdq_total_deteriorated_n", "sdq_total_clinically_significant_n",
              "sdq_total_rci_fallback_n", "stress_rho", "stress_rho_ci_low", "stress_rho_ci_high", "stress_n"]
    names += list(PAIR_KEYS)
    return names


PAIR_KEYS: tuple[str, ...] = (
    "sdq_forms_nl", "sdq_primary_n", "sdq_informant_switch_n", "sdq_form_switch_n",
    "t0_band_unknown_n", "sdq_total_rci_caveat_nl", "sdq_all_informants_n",
    "sdq_total_wilcoxon_p_all_informants", "sdq_total_hl_all_informants",
    "sdq_total_hl_ci_low_all_informants", "sdq_total_hl_ci_high_all_informants",
    "sdq_total_t_effect_all_informants", "sdq_total_verdict_nl_all_informants",
    "sdq_total_improved_n_all_informants")
"""Key numbers of the pairing rule (:data:`INFORMANT_RULE`) and the SDQ forms:
``sdq_forms_nl`` the forms present in Dutch (``ouderversie 4-17``); ``sdq_primary_n`` families
in the primary change analysis (same form and informant); ``sdq_informant_switch_n`` and
``sdq_form_switch_n`` pairs left out of it; ``t0_band_unknown_n`` families of the analysis set
without a band at T0 (their form or age has no norm under the scheme);
``sdq_total_rci_caveat_nl`` the Dutch caveat on the reliable-change threshold
(:func:`analysis.questionnaires.change.rci_caveat_nl`); ``*_all_informants`` the SDQ-total
results with the informant switches included (None when there is none)."""


def _pair_numbers(results: "QuestionnaireResults") -> dict[str, object]:
    """The values of :data:`PAIR_KEYS` (see there)."""
    out: dict[str, object] = {}
    if PRIMARY not in results.scores:
        return out
    sdq = instruments.load_instrument(PRIMARY)
    out["sdq_forms_nl"] = _forms.join_nl(
        sdq.form_definition(f).form_label
        for f in _forms.forms_present(results.scores[PRIMARY], sdq))
    every = results.changes_all if results.changes_all is not None else results.changes
    pairs = every[(every["instrument"] == PRIMARY) & (every["scale"] == "total")]
    status = pairs["pair_status"] if "pair_status" in pairs else pd.Series(dtype="str")
    out["sdq_primary_n"] = int((status == "same").sum())
    out["sdq_informant_switch_n"] = int((status == "informant_switch").sum())
    out["sdq_form_switch_n"] = int((status == "form_switch").sum())
    if results.chain is not None and not results.chain.empty:
        out["t0_band_unknown_n"] = len(results.families) - int(results.chain["n"].iloc[0])
    out["sdq_total_rci_caveat_nl"] = change.rci_caveat_nl(results.changes, sdq)
    sensitivity = results.tests_all_informants
    if sensitivity is not None and not sensitivity.empty:
        primary = sensitivity[sensitivity["analysis"] == "primary"].iloc[0]
        t_rows = sensitivity[sensitivity["analysis"] == "sensitivity"]
        out.update({
            "sdq_all_informants_n": int(primary["n"]),
            "sdq_total_wilcoxon_p_all_informants": float(primary["p_value"]),
            "sdq_total_hl_all_informants": _finite(primary["hl_estimate"]),
            "sdq_total_hl_ci_low_all_informants": _finite(primary["hl_ci_low"]),
            "sdq_total_hl_ci_high_all_informants": _finite(primary["hl_ci_high"]),
            "sdq_total_t_effect_all_informants": (
                _finite(t_rows["effect_size"].iloc[0]) if not t_rows.empty else None),
            "sdq_total_verdict_nl_all_informants": verdict_nl(
                [primary["p_value"], primary["p_value_other_zero_rule"],
                 t_rows["p_value"].iloc[0] if not t_rows.empty else None]),
            "sdq_total_improved_n_all_informants": int(
                (change.primary_pairs(pairs, rule="any_informant")["change_class"]
                 == "improved").sum())})
    return out


BORDERLINE_BAND: float = 0.01
"""A p-value within ``alpha +- BORDERLINE_BAND`` (0.04-0.06 at alpha = 0.05) is worded as
borderline ("grensgeval"), and so is a result on which the primary Wilcoxon test (Pratt),
the zero-dropping Wilcoxon test and the paired t test fall on different sides of alpha: a
convention, not a statistical property, then decides the verdict."""


def verdict_nl(p_values, *, alpha: float = 0.05) -> str:
    """Dutch wording of a result from its p-values (primary first, then sensitivity analyses).

    ``"grensgeval"`` when the p-values fall on both sides of ``alpha`` or the primary one lies
    within :data:`BORDERLINE_BAND` of it; otherwise ``"aangetoond"`` (primary p < alpha) or
    ``"niet aangetoond"``.

    >>> verdict_nl([0.053, 0.047, 0.044]), verdict_nl([0.002, 0.003]), verdict_nl([0.4, 0.3])
    ('grensgeval', 'aangetoond', 'niet aangetoond')
    """
    p = [float(v) for v in p_values if v is not None and not pd.isna(v)]
    if not p:
        return "niet te bepalen"
    sides = {v < alpha for v in p}
    if len(sides) > 1 or abs(p[0] - alpha) <= BORDERLINE_BAND:
        return "grensgeval"
    return "aangetoond" if p[0] < alpha else "niet aangetoond"


def _verdict_numbers(tests: pd.DataFrame) -> dict[str, object]:
    out: dict[str, object] = {}
    for scale, part in tests.groupby("scale", sort=False):
        primary = part[part["analysis"] == "primary"]
        t = part[part["analysis"] == "sensitivity"]
        if primary.empty:
            continue
        p = [primary["p_value"].iloc[0], primary["p_value_other_zero_rule"].iloc[0],
             t["p_value"].iloc[0] if not t.empty else None]
        out[f"sdq_{scale}_verdict_nl"] = verdict_nl(p)
    return out


def _most_common(values: pd.Series) -> float | None:
    """The value most families have (the smallest on a tie); None when none is known. The
    threshold of reliable change differs by age group and form: the caveat lists them all."""
    known = values.dropna().round(10)
    if known.empty:
        return None
    counts = known.value_counts()
    return float(min(counts.index[counts == counts.max()]))


def _finite(value) -> float | None:
    """A float for the key numbers, None for NaN (key numbers refuse NaN)."""
    return None if value is None or pd.isna(value) else float(value)


def _zero_bound(row) -> bool | None:
    """True when the Hodges-Lehmann interval ends exactly at 0 while the zero-dropping test
    rejects 0: the closed interval of the exact test inversion (R's convention) then holds a
    shift the test rejects; the findings explain it. None otherwise (nothing to explain)."""
    ends_at_zero = row.hl_ci_low == 0 or row.hl_ci_high == 0
    return True if ends_at_zero and row.p_value_other_zero_rule < 0.05 else None


def _dropout_numbers(dropout: dict | None, rci_threshold: float | None) -> dict[str, object]:
    """Key numbers of :func:`dropout_sensitivity` (SDQ total); ``rci_threshold`` (points) puts
    the interval's tipping point against the reliable-change criterion of one child."""
    if dropout is None:
        return {}
    out: dict[str, object] = {}
    imputed = dropout.get("imputation")
    if imputed is not None:
        at_mar = imputed.table[imputed.table["delta"] == 0].iloc[0]
        interval = imputed.delta("interval")
        out.update({"sdq_total_tipping_delta": _finite(imputed.delta("estimate")),
                    "sdq_total_tipping_delta_ci": _finite(interval),
                    "sdq_total_tipping_delta_test": _finite(imputed.delta("test")),
                    "sdq_total_mi_change": float(at_mar["estimate"]),
                    "sdq_total_mi_ci_low": float(at_mar["ci_low"]),
                    "sdq_total_mi_ci_high": float(at_mar["ci_high"]),
                    "sdq_total_mi_p": float(at_mar["p_value"]),
                    "sdq_total_mi_rank_p": float(at_mar["rank_p"]),
                    "sdq_total_mi_imputations": int(imputed.n_imputations),
                    "sdq_total_mi_seed": imputed.seed})
        if rci_threshold and _finite(interval) is not None:
            out["sdq_total_tipping_delta_ci_rci_share"] = abs(interval) / float(rci_threshold)
    mixed = dropout["mixed"]
    row = mixed[mixed["time"] == "T1"]
    if not row.empty:
        r = row.iloc[0]
        out.update({"sdq_total_mixed_change": float(r["estimate"]),
                    "sdq_total_mixed_ci_low": float(r["ci_low"]),
                    "sdq_total_mixed_ci_high": float(r["ci_high"]),
                    "sdq_total_mixed_p": float(r["p_value"]),
                    "sdq_total_mixed_df": float(r["df"]),
                    "sdq_total_mixed_p_wald": float(r["p_value_wald"]),
                    "sdq_total_mixed_n_families": int(r["n_units"]),
                    "sdq_total_mixed_converged": bool(r["converged"])})
    return out


def _chain_percentages(chain: pd.DataFrame) -> dict[str, float]:
    out = {}
    for row in chain.itertuples():
        if row.n:
            out[f"{row.key}_pct"] = round(100 * row.k / row.n, 1)
            out[f"{row.key}_ci_low_pct"] = round(100 * row.ci_low, 1)
            out[f"{row.key}_ci_high_pct"] = round(100 * row.ci_high, 1)
    return out


def _test_numbers(tests, mcnemar, attrition_table, changes) -> dict[str, object]:
    out: dict[str, object] = {}
    if tests is not None and not tests.empty:
        for row in tests.itertuples():
            stem = f"sdq_{row.scale}_{'wilcoxon' if row.analysis == 'primary' else 't'}"
            out.update({f"{stem}_p": float(row.p_value), f"{stem}_effect": _finite(row.effect_size),
                        f"{stem}_ci_low": _finite(row.ci_low),
                        f"{stem}_ci_high": _finite(row.ci_high),
                        f"{stem}_p_holm": float(row.p_holm)})
            if row.analysis == "primary" and row.scale == "total":
                low, high = _location.rank_biserial_coverage(int(row.n), float(row.effect_size))
                out.update({f"{stem}_ci_coverage_low": _finite(low),
                            f"{stem}_ci_coverage_high": _finite(high),
                            "sdq_total_hl_ci_zero_bound": _zero_bound(row)})
            if row.analysis == "primary":
                out.update({f"{stem}_p_zero_dropped": float(row.p_value_other_zero_rule),
                            f"{stem}_ci_missing_reason": row.ci_missing_reason,
                            f"sdq_{row.scale}_hl": float(row.hl_estimate),
                            f"sdq_{row.scale}_hl_ci_low": float(row.hl_ci_low),
                            f"sdq_{row.scale}_hl_ci_high": float(row.hl_ci_high)})
        out.update(_verdict_numbers(tests))
        out["sdq_scales_tested_n"] = int((tests["analysis"] == "primary").sum())
    if mcnemar is not None and not mcnemar.empty:
        out["sdq_total_mcnemar_p"] = float(mcnemar["p_value"].iloc[0])
    if attrition_table is not None and not attrition_table.empty:
        total = attrition_table[attrition_table["scale"] == "total"]
        if not total.empty:
            out["attrition_total_p"] = float(total["p_value"].iloc[0])
            out["attrition_total_median_set"] = float(total["median_1"].iloc[0])
            out["attrition_total_median_t0_only"] = float(total["median_2"].iloc[0])
    sdq_total = changes[(changes["instrument"] == PRIMARY) & (changes["scale"] == "total")]
    if not sdq_total.empty:
        out["sdq_total_rci_threshold"] = _most_common(sdq_total["reliable_change_threshold"])
        out["sdq_total_improved_n"] = int((sdq_total["change_class"] == "improved").sum())
        out["sdq_total_deteriorated_n"] = int((sdq_total["change_class"] == "deteriorated").sum())
        out["sdq_total_clinically_significant_n"] = int(
            sdq_total["clinically_significant"].fillna(False).astype(bool).sum())
        out["sdq_total_rci_fallback_n"] = int(sdq_total["rci_fallback"].fillna(False).sum())
    return out


# ------------------------------------------------------------------------------------------
# Forms and pairs, for notebook 01
# ------------------------------------------------------------------------------------------

PAIR_STATUS_NL: dict[str, str] = {
    "same": "zelfde formulier en informant (primaire analyse)",
    "informant_switch": "andere informant bij het eind (alleen in de gevoeligheidsanalyse)",
    "form_switch": "ander formulier bij het eind (geen verandering te berekenen)"}
"""Dutch wording of each ``pair_status`` (:data:`analysis.questionnaires.change.PAIR_STATUSES`)."""

INFORMANT_NL: dict[str, str] = {"mother": "moeder", "father": "vader", "carer": "verzorger",
                                "self": "jongere", "teacher": "leerkracht", "other": "anders"}
"""Dutch names of the informant codes (labels ``nl`` of the data contract)."""


def forms_table(results: QuestionnaireResults, *, scheme: str | None = None) -> pd.DataFrame:
    """The SDQ forms in the cohort: rows and families per form, how the form was known, and
    whether the form has norms under the cut-off scheme.

    Columns ``formulier``, ``metingen``, ``gezinnen``, ``vastgesteld_via`` (``kolom version``
    and/or ``informant en leeftijd`` with counts), ``band`` (``ja`` or the reason there is
    none). Empty without SDQ scores.
    """
    columns = ["formulier", "metingen", "gezinnen", "vastgesteld_via", "band"]
    scores = results.scores.get(PRIMARY)
    if scores is None or _forms.FORM_COLUMN not in scores.columns:
        return pd.DataFrame(columns=columns)
    sdq = instruments.load_instrument(PRIMARY)
    unbanded = scores.attrs.get("unbanded", {})
    reasons = {"thresholds not verified (placeholder)": "nee: normen niet geverifieerd"}
    rows = []
    for form in _forms.forms_present(scores, sdq):
        part = scores[scores[_forms.FORM_COLUMN] == form]
        sources = part[_forms.FORM_SOURCE_COLUMN].value_counts()
        how = ", ".join(f"{'kolom version' if s == 'version' else 'informant en leeftijd'}: {n}"
                        for s, n in sources.items())
        reason = unbanded.get(form)
        rows.append({"formulier": sdq.form_definition(form).form_label, "metingen": len(part),
                     "gezinnen": part["family_id"].nunique(), "vastgesteld_via": how,
                     "band": "ja" if reason is None else reasons.get(
                         reason, "nee: geen normen onder dit afkapschema")})
    return pd.DataFrame(rows, columns=columns)


def switches_table(results: QuestionnaireResults) -> pd.DataFrame:
    """Every SDQ pair that left the primary analysis: family, forms and informants at T0 and T1,
    the total at both moments and its change (missing across forms), and why (Dutch)."""
    every = results.changes_all if results.changes_all is not None else results.changes
    rows = every[(every["instrument"] == PRIMARY) & (every["scale"] == "total")
                 & (every["pair_status"] != "same")]
    sdq = instruments.load_instrument(PRIMARY)
    labels = {n: f.form_label for n, f in sdq.form_definitions().items()}
    out = pd.DataFrame({
        "family_id": rows["family_id"].to_numpy(),
        "informant_t0": rows["informant_t0"].map(lambda v: INFORMANT_NL.get(v, v)).to_numpy(),
        "informant_t1": rows["informant_t1"].map(lambda v: INFORMANT_NL.get(v, v)).to_numpy(),
        "formulier_t0": rows["form_t0"].map(lambda v: labels.get(v, v)).to_numpy(),
        "formulier_t1": rows["form_t1"].map(lambda v: labels.get(v, v)).to_numpy(),
        "t0": rows["t0"].to_numpy(), "t1": rows["t1"].to_numpy(),
        "verandering": rows["change"].to_numpy(),
        "reden": rows["pair_status"].map(PAIR_STATUS_NL).to_numpy()})
    return out.reset_index(drop=True)


def pairing_summary_nl(numbers: Mapping[str, object]) -> str:
    """The Dutch sentences on the pairing rule and the informant switches, from key numbers.

    Says how many pairs switched informant or form, which rule the primary analysis follows and
    (when there are switches) the SDQ-total result with and without them.
    """
    primary = numbers.get("sdq_primary_n")
    if not primary and not numbers.get("sdq_informant_switch_n"):
        return "Geen gezin heeft de SDQ bij begin en eind: geen verandering te berekenen."
    switched = int(numbers.get("sdq_informant_switch_n") or 0)
    crossed = int(numbers.get("sdq_form_switch_n") or 0)
    text = (f"De primaire analyse van verandering gebruikt alleen gezinnen die bij begin en "
            f"eind hetzelfde SDQ-formulier door dezelfde informant lieten invullen, zoals de "
            f"SDQ-richtlijn aanraadt: {_count_nl(int(primary or 0))}.")
    if crossed:
        text += (f" Bij {_count_nl(crossed)} verschilt het formulier tussen begin en eind; "
                 "scores van twee formulieren zijn niet op één schaal te vergelijken, dus die "
                 "blijven buiten elke analyse van verandering.")
    if not switched:
        return text + " Geen gezin wisselde van informant."
    text += f" Bij {_count_nl(switched)} vulde bij het eind een andere informant de SDQ in."
    p_primary = numbers.get("sdq_total_wilcoxon_p")
    p_all = numbers.get("sdq_total_wilcoxon_p_all_informants")
    if isinstance(p_primary, float) and isinstance(p_all, float):
        text += (f" Zonder {'dat gezin' if switched == 1 else 'die gezinnen'} geeft de "
                 f"Wilcoxon-toets voor de totaalscore p = {_p_nl(p_primary)} "
                 f"({numbers.get('sdq_total_verdict_nl')}); met "
                 f"{'dat gezin' if switched == 1 else 'die gezinnen'} erbij "
                 f"({_count_nl(int(numbers.get('sdq_all_informants_n') or 0))}) "
                 f"p = {_p_nl(p_all)} ({numbers.get('sdq_total_verdict_nl_all_informants')}).")
    return text


def _count_nl(n: int) -> str:
    return f"{n} {'gezin' if n == 1 else 'gezinnen'}"


def _p_nl(p: float) -> str:
    return (f"{p:.3f}" if p < 0.1 else f"{p:.2f}").replace(".", ",")


def band_notes_nl(results: QuestionnaireResults, *, scheme: str | None = None) -> list[str]:
    """Dutch sentences on SDQ forms or ages without a norm under ``scheme`` (each said once;
    :func:`analysis.questionnaires.forms.band_notes_nl`); empty without SDQ scores."""
    scores = results.scores.get(PRIMARY)
    if scores is None:
        return []
    return _forms.band_notes_nl(scores, instruments.load_instrument(PRIMARY), scheme=scheme)
