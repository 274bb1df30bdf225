"""The plan of a run in words: what ``status`` and ``run --dry-run`` print.

Per notebook ``cached`` or ``stale:`` with its reasons, as :func:`analysis.pipeline.runner.plan`
finds them (the input file, the parameter with old and new value, the package module or data
file, the library version, the upstream notebook, the missing output), plus a note when a run
holds the cohort's lock or an interrupted run left outputs set aside.
"""

from __future__ import annotations

from pathlib import Path


def only_after(reasons: list[str]) -> bool:
    """Whether a notebook is due only because notebooks upstream of it run."""
    return bool(reasons) and all(r.startswith("after ") for r in reasons)


def describe_plan(cohort: str, reports: Path, reasons: dict[str, list[str]]) -> list[str]:
    """The plan as lines: a summary, then ``name  cached`` or ``name  stale: reason; ...``."""
    from analysis.pipeline.lock import LOCK_FILE, read_holder
    from analysis.pipeline.outputs import ASIDE

    stale = [n for n, r in reasons.items() if r and not only_after(r)]
    after = [n for n, r in reasons.items() if only_after(r)]
    cached = len(reasons) - len(stale) - len(after)
    lines = [f"status of {cohort}: {len(stale)} of {len(reasons)} notebooks stale"
             + (f", {len(after)} downstream may re-run" if after else "")
             + (f", {cached} cached" if stale and cached else "")]
    holder = read_holder(reports / LOCK_FILE)
    if holder is not None:
        lines.append(f"a run is in progress or was interrupted ({holder.describe()})")
    if (reports / ASIDE).is_dir():
        lines.append("an interrupted run left earlier outputs set aside; the next run puts "
                     "them back")
    width = max(map(len, reasons), default=0)
    for name, found in reasons.items():
        text = "; ".join(_in_words(r) for r in found)
        lines.append(f"  {name:<{width}}  " + (f"stale: {text}" if found else "cached"))
    return lines


def _in_words(reason: str) -> str:
    """A reason of :func:`analysis.pipeline.runner.plan` as a reader says it."""
    if reason.startswith("after "):
        names = reason.removeprefix("after ")
        return (f"upstream notebook{'s' if ',' in names else ''} {names} will run first "
                "(this one re-runs only if what it reads changes)")
    if reason.startswith("outputs missing: "):
        return "output missing: " + reason.removeprefix("outputs missing: ")
    if reason.startswith("inputs "):
        return "input " + reason.removeprefix("inputs ")
    return reason
