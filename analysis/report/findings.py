"""The findings document's building blocks: prose from key numbers, figures, tables, claims.

The last notebook (``05_findings``) is rendered with hidden input to
``reports/<cohort>/findings.html``. Each of its cells calls one method of :class:`Findings`,
which returns something that displays itself: Markdown prose whose numbers come from the run's
``key_numbers.json`` (:mod:`analysis.report.narrative`), an embedded figure with its caption and
provenance, or a table. Nothing in the document is typed by hand that the data could change.

Publication mode (``publication=True``) shows counts below the threshold as "<k", hides
per-family rows and keeps only quotes that passed the privacy guard (every quote shown must
have passed it in any mode).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import pandas as pd

from analysis import paths
from analysis.atomic import write_csv_atomic
from analysis.data import processed
from analysis.report import keynumbers, narrative, provenance
from analysis.report.figures.style import banner_html

CLAIM_STATUS_NL: dict[str, str] = {"reproduced": "gereproduceerd", "differs": "wijkt af",
                                   "not_computable": "niet te berekenen"}
CLAIMS_COLUMNS = ["claim_id", "published", "reproduced", "numerator", "denominator", "ci_low",
                  "ci_high", "status", "note"]
"""Columns of ``reports/<cohort>/claims.csv`` (status: reproduced, differs, not_computable)."""


class _Markdown:
    """Markdown that renders in Jupyter and in nbconvert's HTML."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:  # plain-text view (nbval compares it)
        return self.text


@dataclass
class Findings:
    """Helpers of the findings notebook for one cohort (see the module docstring)."""

    cohort: str
    publication: bool = False
    threshold: int = narrative.SMALL_COUNT_THRESHOLD
    numbers: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """Whether the cohort's data are synthetic (then every page carries a banner)."""
        return bool(self.config.get("synthetic", False))

    def has(self, *keys: str) -> bool:
        """Whether the run produced every one of ``keys`` (else a section is left out)."""
        return narrative.available(self.numbers, *keys)

    def say(self, template: str) -> _Markdown:
        """Dutch prose with ``{key:format}`` filled in from the key numbers."""
        return _Markdown(narrative.render(template.strip(), self.numbers,
                                          publication=self.publication, threshold=self.threshold))

    def say_if(self, keys: Iterable[str], template: str, otherwise: str = "") -> _Markdown:
        """:meth:`say` when every one of ``keys`` exists, else ``otherwise`` (plain text)."""
        return self.say(template) if self.has(*keys) else _Markdown(otherwise.strip())

    def banner(self) -> _Markdown:
        """A red banner for synthetic cohorts (empty for real data)."""
        if not self.synthetic:
            return _Markdown("")
        return _Markdown(banner_html("alle gezinnen, scores en citaten in dit document zijn "
                                     "gegenereerd."))

    def figure(self, name: str, *, per_family: bool = False) -> Any:
        """The saved figure ``name`` embedded, with its caption and provenance line.

        A ``per_family`` figure (one mark per family) is left out in publication mode.
        """
        if per_family and self.publication:
            return _Markdown("*Figuur met een punt per gezin weggelaten in de publicatieversie.*")
        png = paths.figures_dir(self.cohort) / f"{name}.png"
        if not png.is_file():
            return _Markdown(f"*Figuur `{name}` is voor dit cohort niet gemaakt (de gegevens "
                             "ontbreken).*")
        meta = provenance.read_png_metadata(png)
        return _Figure(png.read_bytes(), meta.get("Title", name), meta.get("Description", ""))

    def table(self, frame: pd.DataFrame, *, counts: Iterable[str] = (),
              family_column: str | None = None) -> pd.DataFrame:
        """``frame`` for display: in publication mode small ``counts`` columns become "<k" and
        the ``family_column`` (per-family rows) is dropped."""
        out = frame.copy()
        if self.publication:
            if family_column and family_column in out.columns:
                out = out.drop(columns=[family_column])
            for column in counts:
                out[column] = [narrative.format_value(v, "count", publication=True,
                                                      threshold=self.threshold) for v in out[column]]
        return out

    def claims(self) -> pd.DataFrame | None:
        """Published vs reproduced: writes ``reports/<cohort>/claims.csv``, returns the Dutch view.

        None when the cohort has no ``published_claims`` file (the section is then left out and
        ``claims.csv`` holds only its header, so the output exists for every cohort).
        """
        from analysis.report import claims as claim_rules

        file_name = self.config.get("published_claims")
        raw = paths.raw_dir(self.cohort, self.config.get("_raw_root"))
        if not file_name or not (raw / file_name).is_file():
            write_csv_atomic(paths.reports_dir(self.cohort) / "claims.csv",
                             pd.DataFrame(columns=CLAIMS_COLUMNS))
            return None
        published = pd.read_csv(raw / file_name, dtype={"claim_id": str})
        table = claim_rules.reproduce_claims(published, self.numbers)
        write_csv_atomic(paths.reports_dir(self.cohort) / "claims.csv", table[CLAIMS_COLUMNS])
        return self._claims_view(table)

    def _claims_view(self, table: pd.DataFrame) -> pd.DataFrame:
        from analysis.report.claims import statements_nl

        dutch = statements_nl()
        view = pd.DataFrame({
            "bewering": [dutch.get(c, s) for c, s in zip(table["claim_id"], table["statement"])],
            "gepubliceerd": table["published"].map(lambda v: narrative.format_value(v)),
            "gereproduceerd": [self._reproduced_text(r) for r in table.itertuples()],
            "95%-interval": [self._interval_text(r) for r in table.itertuples()],
            "status": table["status"].map(CLAIM_STATUS_NL),
            "toelichting": table["note"].fillna(""),
        })
        view.index = pd.Index(table["claim_id"], name="claim")
        return view

    def _reproduced_text(self, row) -> str:
        if pd.isna(row.reproduced):
            return "n.b."
        value = narrative.format_value(float(row.reproduced), ".1" if not float(
            row.reproduced).is_integer() else "")
        if pd.notna(row.numerator) and pd.notna(row.denominator):
            k = narrative.format_value(row.numerator, "count", publication=self.publication,
                                       threshold=self.threshold)
            return f"{value} ({k} van {narrative.format_value(row.denominator, 'count')})"
        return value

    @staticmethod
    def _interval_text(row) -> str:
        if pd.isna(row.ci_low) or pd.isna(row.ci_high):
            return ""
        return f"{narrative.format_value(row.ci_low, '.0')} tot {narrative.format_value(row.ci_high, '.0')}"

    def warnings(self) -> pd.DataFrame | _Markdown:
        """The validation warnings of the data (file, row, column, what was expected)."""
        table = processed.read_warnings(self.cohort)
        if table.empty:
            return _Markdown("")
        return table.rename(columns={"file": "bestand", "row": "rij", "column": "kolom",
                                     "value": "waarde", "expected": "verwacht"})

    def quotes(self) -> _Markdown:
        """Quotes per theme that passed the privacy guard, as block quotes (never the review
        list of quotes that failed it)."""
        table = processed.read_table(self.cohort, "qualitative", "quotes")
        parts = []
        for theme, rows in table.groupby("theme", sort=False):
            parts.append(f"**{html.escape(str(theme))}**")
            parts.extend(f"> {html.escape(str(q))}" for q in rows["quote"])
        return _Markdown("\n\n".join(parts) or "*Geen citaten beschikbaar.*")

    def scheme_table(self) -> pd.DataFrame:
        """The handreiking's chain (counts) under every usable SDQ cut-off scheme."""
        table = processed.read_table(self.cohort, "questionnaires", "chain_by_scheme")
        wide = table.pivot_table(index=["step", "label_nl"], columns="scheme", values="k",
                                 aggfunc="first")
        wide.index = wide.index.get_level_values("label_nl")
        wide.index.name, wide.columns.name = "stap", "afkapschema"
        return wide

    def colophon(self, parameters: Mapping[str, Any]) -> Any:
        """Package versions, parameters, commit and run date of this document, then the
        reproducibility block (:mod:`analysis.report.reproducibility`; marked volatile, so
        committed notebooks hold a fixed placeholder instead)."""
        from analysis.report import reproducibility

        info = provenance.colophon(dict(parameters))
        versions = ", ".join(f"{k} {v}" for k, v in sorted(info["packages"].items()))
        params = ", ".join(f"`{k}` = {v!r}" for k, v in sorted(info["parameters"].items()))
        return reproducibility.with_block(
            f"**Colofon.** Gemaakt op {info['run_date']} met commit `{info['commit']}` en "
            f"Python {info['python']}. Parameters: {params}. Pakketten: {versions}.",
            self.cohort, parameters, raw_root=self.config.get("_raw_root"))


class _Figure:
    """An embedded PNG with its caption (one HTML output, so nbconvert keeps it together)."""

    def __init__(self, png: bytes, title: str, caption: str):
        self.png, self.title, self.caption = png, title, caption

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (f'<figure style="margin:1em 0"><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(self.title)}" style="max-width:100%"/>'
                f'<figcaption style="font-size:90%">{html.escape(self.caption)}</figcaption>'
                "</figure>")

    def __repr__(self) -> str:
        return f"Figuur: {self.title}"


def open_findings(cohort: str, *, publication: bool = False,
                  threshold: int = narrative.SMALL_COUNT_THRESHOLD,
                  raw_root: str | None = None) -> Findings:
    """The findings helpers for ``cohort``: its merged key numbers and settings.

    The fragments of the earlier notebooks are merged here too (as the pipeline does before this
    notebook), so the notebook also works when run on its own, in JupyterLab or under nbval.
    """
    keynumbers.merge(cohort)
    config = dict(processed.read_config(cohort))
    config["_raw_root"] = raw_root
    return Findings(cohort=cohort, publication=publication, threshold=threshold,
                    numbers=keynumbers.load(cohort), config=config)
