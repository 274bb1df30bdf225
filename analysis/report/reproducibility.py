"""How a run can be repeated: the reproducibility block of the findings (workflowr's "Checks").

:func:`checks` collects what someone needs to make the same numbers again, and :func:`block`
shows it in the findings document, in Dutch:

* the git commit of the compendium, and a visible warning when the work tree had uncommitted
  changes (tracked or untracked files not ignored by git): how many files, and which of the
  project's tracked code files were changed, by path. Untracked files and anything under
  ``data/`` are counted, never named: a raw export named after a child ("ARI export <name>.csv")
  must not reach the findings through this block;
* the hash of the lock file (:data:`LOCK_FILE`, every package with exact version and hashes),
  the installed versions of the analysis stack (:data:`ANALYSIS_STACK`), Python and platform;
* every seed used, per notebook (parameters named ``seed``, ``*_seed`` or ``seed_*``);
* the SHA-256 of the cohort's raw folder (:func:`analysis.report.provenance.input_hash`);
* the parameters that differ from the defaults in ``notebooks/pipeline.yaml``;
* what changed in the key numbers since the previous recorded run
  (:func:`analysis.report.history.changes_since_previous`).

No wall-clock time appears anywhere, so two runs of the same state give the same block.

Commit, dirty flag and "changed since" are *volatile*: they change with every commit although
no number does. Committed notebooks must not churn, so the block's output carries the metadata
``{"compendium": {"volatile": true}}`` (:data:`VOLATILE_KEY`) and :func:`strip_volatile` replaces
such outputs by a fixed placeholder when executed notebooks are copied back into
``notebooks/``. The run's own reports (``reports/<cohort>/findings.html`` and the history in
``reports/<cohort>/history/``) keep the real values.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import Any, Mapping

from analysis import paths as _paths
from analysis.report.runstate import (  # noqa: F401  (re-exported: git and lock of a run)
    LOCK_FILE,
    UNNAMED_FOLDERS,
    GitState,
    _git,
    git_state,
    lock_hash,
)

ANALYSIS_STACK: tuple[str, ...] = (
    "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn", "pandera", "deduce",
    "pyyaml", "openpyxl", "pyreadstat", "papermill", "nbclient", "nbconvert", "ipykernel",
)
"""Distributions whose installed versions the block lists (what the notebooks compute with)."""

VOLATILE_KEY: str = "compendium"
"""Output metadata key: ``{"compendium": {"volatile": true}}`` marks a run-specific output."""

PLACEHOLDER_NL: str = ("*Gegevens van de run (commit, wijzigingen, omgeving) staan in het "
                       "document van de run zelf: `reports/<cohort>/findings.html`.*")
"""What a volatile output becomes in a committed notebook."""

COLOPHON_START, COLOPHON_END = "<!-- colofon-van-de-run -->", "<!-- /colofon-van-de-run -->"
"""Markers around the colophon of the internal findings document: the site replaces what is
between them on every run, cached or not (:func:`analysis.report.site.build_site`), so no date
or fact in it is older than the run."""

CHANGED_FILES_SHOWN: int = 5
"""Changed tracked code files named in the warning of a dirty tree (the rest are counted)."""

_SEED_NAME = re.compile(r"^(seed|seed_.+|.+_seed)$")


def environment(packages: tuple[str, ...] = ANALYSIS_STACK) -> dict[str, Any]:
    """Python version, platform and installed versions of ``packages`` (no paths, no time)."""
    from analysis.report.provenance import package_versions

    return {"python": platform.python_version(),
            "platform": f"{platform.system()} {platform.machine()}".strip(),
            "packages": package_versions(packages)}


def default_parameters(pipeline_file: str | os.PathLike = _paths.PIPELINE_FILE) -> dict[str, dict]:
    """Notebook name -> declared parameters and defaults, read from ``pipeline.yaml``."""
    import yaml

    spec = yaml.safe_load(Path(pipeline_file).read_text(encoding="utf-8")) or {}
    return {Path(entry["file"]).stem: dict(entry.get("parameters") or {})
            for entry in spec.get("notebooks", [])}


def used_parameters(cohort: str, *, root: str | os.PathLike = _paths.ROOT) -> dict[str, dict]:
    """Notebook name -> the analysis parameters its last successful run used.

    Read from papermill's record in the executed notebooks ``reports/<cohort>/<name>.ipynb``
    (``cohort`` and ``raw_root`` left out); notebooks not run yet are absent.
    """
    import json

    folder = Path(root) / "reports" / cohort
    used = {}
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        if path.name.startswith(".") or path.name.endswith(".failed.ipynb"):
            continue  # a notebook being run (.<name>.running.ipynb) or a failed one
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]["papermill"]
        except (ValueError, KeyError, TypeError):
            continue
        used[path.stem] = {k: v for k, v in (meta.get("parameters") or {}).items()
                           if k not in ("cohort", "raw_root")}
    return used


def seeds(parameters: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per notebook, the parameters that are random seeds (named seed, seed_* or *_seed).

    >>> seeds({"04_follow_up": {"seed": 7, "n_sim": 10}, "01_q": {"x": 1}})
    {'04_follow_up': {'seed': 7}}
    """
    found = {nb: {k: v for k, v in sorted(p.items()) if _SEED_NAME.match(str(k))}
             for nb, p in sorted(parameters.items())}
    return {nb: s for nb, s in found.items() if s}


def non_default(parameters: Mapping[str, Mapping[str, Any]],
                defaults: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, tuple]]:
    """Per notebook, parameter -> (default, used) where the used value differs.

    >>> non_default({"a": {"x": 1, "y": 2}}, {"a": {"x": 1, "y": 3}})
    {'a': {'y': (3, 2)}}
    """
    out = {}
    for nb in sorted(parameters):
        declared = defaults.get(nb, {})
        diff = {k: (declared.get(k), v) for k, v in sorted(parameters[nb].items())
                if k not in declared or declared[k] != v}
        if diff:
            out[nb] = diff
    return out


def checks(cohort: str, parameters: Mapping[str, Mapping[str, Any]] | None = None, *,
           root: str | os.PathLike = _paths.ROOT,
           raw_root: str | os.PathLike | None = None) -> dict[str, Any]:
    """Everything the block states, as plain data (JSON-able, sorted, no time).

    Parameters
    ----------
    cohort : str
        The cohort of the run.
    parameters : mapping, optional
        Notebook name -> analysis parameters used. Default: :func:`used_parameters` (what the
        executed notebooks in ``reports/<cohort>/`` record).
    root : path-like
        Project root (git work tree, lock file, ``notebooks/pipeline.yaml``).
    raw_root : path-like, optional
        Folder holding ``<cohort>/`` when not ``data/raw``.

    Returns
    -------
    dict
        ``commit`` (str or None), ``dirty`` (bool), ``changed`` (list of str: changed tracked
        code files, :attr:`GitState.changed`), ``uncommitted`` (int), ``lock_file``,
        ``lock_hash`` (str or None), ``python``, ``platform``, ``packages`` (dict), ``seeds``
        (notebook -> name -> value), ``inputs_hash`` (str or None), ``non_default`` (notebook
        -> name -> [default, used]).
    """
    from analysis.errors import CompendiumError
    from analysis.report.provenance import input_hash

    root = Path(root)
    used = dict(parameters) if parameters is not None else used_parameters(cohort, root=root)
    git = git_state(root)
    try:
        raw = os.fspath(raw_root) if raw_root is not None else os.fspath(root / "data" / "raw")
        inputs = input_hash(cohort, raw)
    except CompendiumError:
        inputs = None
    defaults = default_parameters(root / "notebooks" / "pipeline.yaml") \
        if (root / "notebooks" / "pipeline.yaml").is_file() else {}
    return {"commit": git.commit, "dirty": git.dirty, "changed": list(git.changed),
            "uncommitted": git.uncommitted, "lock_file": LOCK_FILE, "lock_hash": lock_hash(root), **environment(),
            "seeds": seeds(used), "inputs_hash": inputs,
            "non_default": {nb: {k: list(v) for k, v in d.items()}
                            for nb, d in non_default(used, defaults).items()}}


def block(cohort: str, parameters: Mapping[str, Mapping[str, Any]] | None = None, *,
          root: str | os.PathLike = _paths.ROOT,
          raw_root: str | os.PathLike | None = None,
          after_record: bool = False) -> "VolatileMarkdown":
    """The reproducibility block of the findings document (Dutch Markdown, marked volatile).

    Same arguments as :func:`checks`. Also says what changed in the key numbers since the
    previous recorded run (:func:`analysis.report.history.changes_since_previous`);
    ``after_record`` says the pipeline has already kept this run in the history (the site's
    rebuild of the block), so a latest record equal to this run's state is this run's own.
    """
    from analysis.report import history

    info = checks(cohort, parameters, root=root, raw_root=raw_root)
    own = {"commit": info["commit"], "dirty": info["dirty"]} if after_record else {}
    changes = history.changes_since_previous(cohort, root=root, **own)
    return VolatileMarkdown(format_block(info, changes))


def with_block(text: str, cohort: str, parameters: Mapping[str, Any], *,
               root: str | os.PathLike = _paths.ROOT,
               raw_root: str | os.PathLike | None = None,
               after_record: bool = False) -> "VolatileMarkdown":
    """``text`` (the findings colophon) followed by the reproducibility block, marked volatile.

    ``parameters`` are the findings notebook's own (``cohort`` and ``raw_root`` are left out);
    the other notebooks' come from their executed copies (:func:`used_parameters`). The
    findings notebook is the one with ``findings: true`` in ``pipeline.yaml``.
    """
    used = used_parameters(cohort, root=root)
    name = findings_notebook(Path(root) / "notebooks" / "pipeline.yaml")
    if name is not None:
        used[name] = {k: v for k, v in parameters.items() if k not in ("cohort", "raw_root")}
    shown = block(cohort, used, root=root, raw_root=raw_root, after_record=after_record)
    return VolatileMarkdown(f"{COLOPHON_START}\n\n{text}\n\n{shown.text}\n\n{COLOPHON_END}")


def findings_notebook(pipeline_file: str | os.PathLike = _paths.PIPELINE_FILE) -> str | None:
    """Name of the notebook marked ``findings: true`` in ``pipeline.yaml`` (None if none)."""
    import yaml

    path = Path(pipeline_file)
    if not path.is_file():
        return None
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = [Path(e["file"]).stem for e in spec.get("notebooks", []) if e.get("findings")]
    return names[0] if names else None


def format_block(info: Mapping[str, Any], changes: str = "") -> str:
    """The Markdown of :func:`block` from the result of :func:`checks`."""
    lines = ["**Reproduceerbaarheid.**", ""]
    if info["commit"] is None:
        lines.append("- ⚠ **Geen git-commit bekend**: deze run is niet aan een versie van de "
                     "code te koppelen.")
    elif info["dirty"]:
        lines.append(
            f"- ⚠ **Let op: niet-vastgelegde wijzigingen.** Gemaakt vanaf commit "
            f"`{info['commit'][:7]}`, maar de werkmap had {_uncommitted_nl(info)}. "
            "Deze uitkomsten zijn niet met zekerheid uit die commit te herhalen.")
    else:
        lines.append(f"- ✔ Commit `{info['commit'][:7]}`, zonder niet-vastgelegde wijzigingen.")
    if info["lock_hash"]:
        lines.append(f"- ✔ Omgeving vastgelegd in `{info['lock_file']}` (sha256 "
                     f"`{info['lock_hash'][:10]}`).")
    else:
        lines.append(f"- ⚠ Geen lockbestand (`{info['lock_file']}`): de pakketversies liggen "
                     "niet vast.")
    versions = ", ".join(f"{k} {v}" for k, v in sorted(info["packages"].items()))
    lines.append(f"- Python {info['python']} op {info['platform']}; pakketten: {versions}.")
    lines.append(f"- Ruwe data: sha256 `{(info['inputs_hash'] or 'onbekend')[:10]}`.")
    lines.append("- Seeds: " + (_per_notebook({nb: {k: repr(v) for k, v in s.items()}
                                               for nb, s in info["seeds"].items()})
                                or "geen (geen notebook gebruikt toeval met een seed)."))
    changed = {nb: {k: f"{v[0]!r} → {v[1]!r}" for k, v in d.items()}
               for nb, d in info["non_default"].items()}
    lines.append("- Parameters anders dan de standaard: "
                 + (_per_notebook(changed) or "geen; alle parameters staan op hun standaard."))
    if changes:
        lines.append(f"- {changes}")
    return "\n".join(lines)


def _uncommitted_nl(info: Mapping[str, Any]) -> str:
    """How many files were not committed, naming only changed tracked code files (Dutch).

    >>> _uncommitted_nl({"uncommitted": 3, "changed": ["analysis/cli.py"]})
    '3 niet-vastgelegde bestanden, waarvan 1 gewijzigd codebestand (`analysis/cli.py`)'
    >>> _uncommitted_nl({"uncommitted": 1, "changed": []})
    '1 niet-vastgelegd bestand (nieuwe bestanden en data worden niet bij naam genoemd)'
    """
    changed = list(info.get("changed") or [])
    n = max(int(info.get("uncommitted") or 0), len(changed))
    text = f"{n} {'niet-vastgelegd bestand' if n == 1 else 'niet-vastgelegde bestanden'}"
    if not changed:
        return text + " (nieuwe bestanden en data worden niet bij naam genoemd)"
    shown = ", ".join(f"`{c}`" for c in changed[:CHANGED_FILES_SHOWN])
    more = len(changed) - CHANGED_FILES_SHOWN
    shown += f" en nog {more}" if more > 0 else ""
    k = len(changed)
    if k == n:
        return f"{text} ({shown})"
    files = "gewijzigd codebestand" if k == 1 else "gewijzigde codebestanden"
    return f"{text}, waarvan {k} {files} ({shown})"


def _per_notebook(values: Mapping[str, Mapping[str, str]]) -> str:
    parts = [f"{nb}: " + ", ".join(f"`{k}` = {v}" for k, v in d.items())
             for nb, d in values.items() if d]
    return "; ".join(parts) + ("." if parts else "")


class VolatileMarkdown:
    """Markdown output that names run-specific facts (commit, changes): see the module doc.

    Displays as Markdown with output metadata ``{"compendium": {"volatile": true}}``;
    :func:`strip_volatile` replaces it in committed notebooks.
    """

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> tuple[str, dict]:
        return self.text, {VOLATILE_KEY: {"volatile": True}}

    def __repr__(self) -> str:
        return self.text


def mark_volatile(text: str) -> VolatileMarkdown:
    """``text`` (Markdown) as an output that committed notebooks leave out (a colophon line
    with the run date or commit, for example)."""
    return VolatileMarkdown(text)


def is_volatile(output: Mapping[str, Any]) -> bool:
    """Whether a notebook output carries the volatile marker (top level or per MIME type)."""
    meta = output.get("metadata") or {}
    candidates = [meta] + [v for v in meta.values() if isinstance(v, Mapping)]
    return any(isinstance(m.get(VOLATILE_KEY), Mapping) and m[VOLATILE_KEY].get("volatile")
               for m in candidates)


def strip_volatile(nb: Any, placeholder: str = PLACEHOLDER_NL) -> Any:
    """Replace every volatile output of ``nb`` (in place) by ``placeholder``; returns ``nb``.

    The replacement is a fixed ``display_data`` output (Markdown and plain text), so a
    committed notebook holds the same bytes whatever the commit or date of the run.
    """
    for cell in nb.get("cells", []):
        outputs = cell.get("outputs") or []
        for index, output in enumerate(outputs):
            if is_volatile(output):
                outputs[index] = _placeholder_output(output, placeholder)
    return nb


def _placeholder_output(output: Mapping[str, Any], text: str) -> Any:
    data = {"text/markdown": text, "text/plain": text}
    fixed = {"output_type": "display_data", "data": data,
             "metadata": {VOLATILE_KEY: {"volatile": True, "placeholder": True}}}
    try:
        import nbformat

        return nbformat.from_dict(fixed)
    except ImportError:  # pragma: no cover - nbformat is a dependency
        return fixed

