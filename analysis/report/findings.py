"""The findings document's building blocks: prose from key numbers, figures, tables, claims.

The last notebook (``05_findings``) is rendered with hidden input to
``reports/<cohort>/findings.html``. Each of its cells calls one method of :class:`Findings`,
which returns something that displays itself: Markdown prose whose numbers come from the run's
``key_numbers.json`` (:mod:`analysis.report.narrative`), an embedded figure with its caption and
provenance, or a table. Nothing in the document is typed by hand that the data could change.

Shape-independent: sections iterate over what the cohort holds
(:mod:`analysis.report.findings_sections`); a section whose data are absent says so in one Dutch
sentence; the cohort's words (title, organisation, the publication it re-analyses, the municipal
target) come from ``cohort.yaml``. A figure is embedded only when its provenance says this run
made it (its ``Inputs hash`` is the hash of the cohort's raw folder now).

Every number in the prose links to the cell that recorded it (``<notebook>.html#cel-N``, from
:func:`analysis.report.keynumbers.read_sources`); every embedded figure has the stable id
``fig-<name>``, which a template references as ``{figuur:<name>}`` (" (zie figuur N)"; the
number is filled in by :func:`analysis.report.site.annotate_findings`). At the top: a
"Kernbevindingen" box and call-outs for synthetic data, placeholder keys and small n
(:func:`analysis.report.findings_sections.key_findings`, :func:`~.findings_sections.caveats`).

The document comes in two renderings. The *internal* one (the pipeline's run of notebook 05,
``reports/<cohort>/findings.html``) is the analyst's working document: every number from the
run's key numbers, linked to the notebook cell that recorded it, quotes that passed the privacy
guard under a "niet voor publicatie" mark. The *published* one is made by the publish stage
(:mod:`analysis.publish.render`, ``python -m analysis publish``) into
``reports/<cohort>/publicatie/``: the notebook then opens the published set
(:mod:`analysis.report.published`, parameter ``published``), and every number, table and figure
comes from that set, as given; each number links to the published key-number page, withheld
figures are named with their Dutch reason, only approved quotes appear
(``quotes_approved.csv``), and no sentence names a value of an earlier run. Nothing here decides
what is withheld: this module knows no threshold.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from analysis import paths, privacy
from analysis.atomic import write_csv_atomic
from analysis.data import processed
from analysis.report import keynumbers, narrative, provenance
from analysis.report import findings_sections as sections
from analysis.report.published import PublishedSet, read_set
from analysis.report.figures.style import banner_html

CLAIMS_COLUMNS = ["claim_id", "published", "reproduced", "numerator", "denominator", "ci_low",
                  "ci_high", "status", "note", "unit"]
"""Columns of ``reports/<cohort>/claims.csv`` (status: reproduced, differs, not_computable;
unit: the published claim's, e.g. count or percent)."""


class _Markdown:
    """Markdown that renders in Jupyter and in nbconvert's HTML."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:  # plain-text view (nbval compares it): links as their text
        return _plain(self.text)


class _Html:
    """An HTML block (the key-findings box, call-outs) with a plain-text view."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return _plain(re.sub(r"</(li|aside|h2|p)>", "\n", self.markup).strip())


def _plain(text: str) -> str:
    """``text`` without HTML tags (links become their text, entities are decoded); a "<5" is
    text, not a tag.

    >>> _plain('<a class="bron" href="a.html#cel-1">&lt;5</a> ouders, <5 kinderen <b>x</b>')
    '<5 ouders, <5 kinderen x'
    """
    return html.unescape(re.sub(r"</?[A-Za-z][^>]*>", "", text))


@dataclass
class Findings:
    """Helpers of the findings notebook for one cohort (see the module docstring).

    ``published`` is the published set when the document is the published rendering (then
    ``numbers`` are the published numbers), None for the internal document.
    """

    cohort: str
    numbers: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, tuple[str, int]] = field(default_factory=dict)
    published: PublishedSet | None = None
    _inputs_hash: str | None = field(default=None, repr=False)

    @property
    def publication(self) -> bool:
        """Whether this is the published rendering (made from a published set)."""
        return self.published is not None

    @property
    def links(self) -> dict[str, str]:
        """Key -> where a reader finds it: ``<notebook>.html#cel-N``, the cell that recorded it
        (internal), or ``kerngetallen.html#<key>`` (published). Keys without one stay plain."""
        if self.published is not None:
            return {key: self.published.link(key) for key in self.numbers}
        return {key: f"{stage}.html#cel-{cell}" for key, (stage, cell) in self.sources.items()}

    def source(self, key: str, value: Any = None) -> str | None:
        """The link for ``key`` (see :attr:`links`), or None; with ``value``, only when the
        key number holds that value (a count computed from a table links to the key number
        holding the same count, never to a different one)."""
        if value is not None and self.numbers.get(key) != value:
            return None
        if self.published is not None:
            return self.published.link(key)
        where = self.sources.get(key)
        return None if where is None else f"{where[0]}.html#cel-{where[1]}"

    @property
    def synthetic(self) -> bool:
        """Whether the cohort's data are synthetic (then every page carries a banner)."""
        return bool(self.config.get("synthetic", False))

    def has(self, *keys: str) -> bool:
        """Whether the run produced every one of ``keys`` (else a section is left out)."""
        return narrative.available(self.numbers, *keys)

    def say(self, template: str) -> _Markdown:
        """Dutch prose with ``{key:format}`` filled in from the key numbers (the published
        ones in the published document, marks such as "<5" as given).

        Text values (cohort.yaml fields) pass the privacy gate and are HTML-escaped by jinja2's
        autoescape.
        """
        return _Markdown(self._render(template))

    def _render(self, template: str) -> str:
        return narrative.render(self._fill(template.strip()), _escaped(self.numbers),
                                links=self.links, figure_ref=self.figure_ref)

    def _fill(self, template: str) -> str:
        """``{notebook:NAME}`` (``{Notebook:NAME}`` at the start of a sentence) as a link to
        that notebook's page in the internal document, or as plain words in the published
        one, whose bundle holds no notebook pages."""
        def replace(match: re.Match) -> str:
            word, name = match.group(1), match.group(2)
            if self.publication:
                return f"{word} {name[:2]} van de analyse (niet in deze publicatie)"
            return f"[{word} {name[:2]}]({name}.html)"

        return re.sub(r"\{([Nn]otebook):([\w.-]+)\}", replace, template)

    def say_if(self, keys: Iterable[str] | None, template: str, otherwise: str = "") -> _Markdown:
        """:meth:`say` when every one of ``keys`` (default: every key the template names) has a
        value, else ``otherwise`` (plain text) with the first recorded reason of absence
        (``<key>_reason``) in brackets. A key recorded as None, or not recorded because its
        notebook had no data, means absent; zero is a value (and so is a mark "<5")."""
        keys = narrative.keys_of(self._fill(template)) if keys is None else list(keys)
        if self.has(*keys):
            return self.say(template)
        text = " ".join(otherwise.split())
        reason = next((r for r in (narrative.absence_reason(self.numbers, k) for k in keys
                                   if self.numbers.get(k) is None) if r), None)
        if text and reason:
            text = f"{text.rstrip('.')} ({reason})."
        return _Markdown(text)

    def text(self, markdown: str) -> _Markdown:
        """Markdown built by a section helper, displayed as is."""
        return _Markdown(markdown)

    # ------------------------------------------------------------------ cohort words
    @property
    def publication_cited(self) -> str | None:
        """The publication the cohort re-analyses (``cohort.yaml``: ``publication``), or None."""
        value = self.config.get("publication")
        return str(value).strip() or None if value else None

    @property
    def target(self) -> float | None:
        """The municipal substitution target the run used (key number, else ``cohort.yaml``)."""
        value = self.numbers.get("substitution_target", self.config.get("substitution_target"))
        return None if value is None or narrative.withheld(value) else float(value)

    def intro(self) -> _Markdown:
        """Title, organisation, place and period, what the document does, and which rendering
        it is (internal or published, with the signs the published one uses)."""
        cfg = self.config
        title = html.escape(str(cfg.get("title") or self.numbers.get("cohort_title") or self.cohort))
        where = [str(v) for v in (cfg.get("organisation"), cfg.get("municipality")) if v]
        dates = [narrative.link(html.escape(str(cfg[k])), self.source(k, str(cfg[k])))
                 for k in ("period_start", "period_end") if cfg.get(k)]
        period = " tot ".join(dates) if len(dates) == 2 else ""
        detail = ", ".join([html.escape(p) for p in where] + ([period] if period else []))
        head = f"**{title}**" + (f" ({detail})." if detail else ".")
        cited = self.publication_cited
        does = (f"Dit document herhaalt de evaluatie uit {html.escape(cited)} met de data van "
                "dit cohort." if cited else "Dit document beschrijft de evaluatie van dit cohort.")
        if self.published is None:
            return _Markdown(
                f"{head}\n\n{does} Dit is de **interne versie** voor de onderzoeker, niet voor "
                "publicatie: elk getal in de tekst komt uit de kerngetallen van deze run "
                "(`key_numbers.json`, bij de bestanden onderaan) en is een link naar de cel die "
                "het berekende; elke figuur noemt het notebook, de cel en de invoer waarmee ze "
                "is gemaakt, het colofon de commit. De publicatieversie maakt "
                f"`python -m analysis publish` in `reports/{html.escape(self.cohort)}/publicatie/`.")
        k = self.published.threshold
        return _Markdown(
            f"{head}\n\n{does} Dit is de **publicatieversie**: elk getal in de tekst komt uit "
            "de gepubliceerde kerngetallen (`key_numbers.json` in deze map) en is een link naar "
            f"de [kerngetallenpagina]({self.published.key_page}). "
            + disclosure_legend(k))

    # ------------------------------------------------------------------ sections from data
    def count(self, key: str, singular: str, plural: str, *, zero: str | None = None) -> str:
        """Key number ``key`` with its noun ("1 waarschuwing", "geen waarschuwingen")."""
        if key not in self.numbers:
            raise narrative.MissingKeyNumber(f"the text names key number {key!r}, which this "
                                             "run did not produce")
        return narrative.link_count(narrative.count_noun(self.numbers[key], singular, plural,
                                                         zero=zero), self.source(key))

    def validation(self) -> _Markdown:
        """How many warnings the check against the data contract gave."""
        n = self.count("validation_warnings_n", "waarschuwing", "waarschuwingen", zero="geen")
        return _Markdown(f"De controle van de ruwe data tegen het datacontract gaf {n}; fouten "
                         "stoppen de analyse, dus die zijn er niet.")

    def _table(self, name: str, make) -> pd.DataFrame | None:
        """The published table ``name`` in the published document, else ``make()``."""
        if self.published is not None:
            return self.published.table(name)
        return make()

    def staff(self) -> _Markdown:
        """Therapists per therapy type and social workers (:func:`~.findings_sections.staff`)."""
        table = self._table("staff", lambda: sections.staff_table(self._validated("trajectories")))
        return _Markdown(sections.staff(table, source=self.source))

    def participation(self) -> _Markdown:
        """Which qualitative sessions took place, with whom, and how many interviewed parents
        were positive about the collaboration (when any were interviewed)."""
        table = self._table("participation",
                            lambda: sections.participation_table(
                                self._validated("sessions"),
                                self._processed("qualitative", "participation")))
        text = sections.participation(table, source=self.source)
        k, n = self.numbers.get("parents_positive"), self.numbers.get("parents_interviewed")
        if k is not None and n is not None and (narrative.withheld(n) or n):
            share = narrative.step_text(k, n, unit=("geïnterviewde ouder", "geïnterviewde ouders"),
                                        href=self.source("parents_positive"))
            text += (" Positief over de samenwerking tussen vaktherapeut en sociaal werker: "
                     f"{share}.")
        reference = self.figure_ref("qualitative_theme_matrix")
        if reference:
            text += f" Hoe vaak elk thema per groep voorkwam, staat in een figuur{reference}."
        return _Markdown(text)

    def hypotheses(self) -> _Markdown:
        """The cohort's own hypotheses (``cohort.yaml``) and the stress-attachment association
        (:func:`~.findings_sections.hypotheses`)."""
        stated = self.config.get("hypotheses") or []
        return _Markdown(sections.hypotheses(stated, self.numbers, say=self._render))

    def chain(self) -> _Markdown:
        """The chain of shares of notebook 01 as a list, or one sentence when it is absent."""
        table = self._table("chain", lambda: self._processed("questionnaires", "chain"))
        text = sections.chain(table, source=self.source)
        return _Markdown(text or narrative.absent_sentence(
            "de keten van aandelen (de vragenlijsten die ervoor nodig zijn ontbreken)"))

    def substitution(self) -> _Markdown:
        """The share of indicated trajectories substituted, judged against the target."""
        keys = ("indicated_n", "substituted_n", "substitution_share", "substitution_ci_low",
                "substitution_ci_high")
        if not self.has(*keys):
            return _Markdown(narrative.absent_sentence(
                "het aandeel vervangen geïndiceerde trajecten", self.numbers, keys))
        n = self.numbers
        if narrative.withheld(n["substitution_share"]):
            return _Markdown(narrative.render(
                "Van de {indicated_n:count} trajecten die vóór de pilot een geïndiceerd traject "
                "zouden zijn geweest, is bij {substituted_n:count} de geïndiceerde zorg vervangen "
                "of verminderd (aandeel niet getoond).", n, links=self.links))
        text = narrative.render(
            "Van de {indicated_n:count} trajecten die vóór de pilot een geïndiceerd traject "
            "zouden zijn geweest, is bij {substituted_n:count} de geïndiceerde zorg vervangen of "
            "verminderd ({substitution_share:share}; 95%-interval {substitution_ci_low:share} tot "
            "{substitution_ci_high:share}).", n, links=self.links)
        verdict = sections.target_verdict(n["substitution_share"], n["substitution_ci_low"],
                                          n["substitution_ci_high"], self.target)
        if verdict is not None:
            pct = narrative.link(narrative.format_value(self.target, "share"),
                                 self.source("substitution_target", self.target))
            why = {"behaald": "het hele interval ligt op of boven de opdracht",
                   "niet behaald": "het hele interval ligt onder de opdracht",
                   "niet aantoonbaar": "het interval omvat de opdracht"}[verdict]
            text += f" De gemeentelijke opdracht van {pct} is {verdict} ({why})."
        return _Markdown(text)

    def banner(self) -> _Markdown:
        """A red banner for synthetic cohorts (empty for real data)."""
        if not self.synthetic:
            return _Markdown("")
        return _Markdown(banner_html("alle gezinnen, scores en citaten in dit document zijn "
                                     "gegenereerd."))

    def key_findings(self) -> _Html:
        """The "Kernbevindingen" box: headline numbers with their intervals, each linked to
        its source; lines whose data are absent are left out (empty when none is left)."""
        chain = self._table("chain", lambda: self._processed("questionnaires", "chain"))
        box = sections.key_findings(self.numbers, say=self._render, source=self.source,
                                    chain_table=chain)
        if self.published is not None:
            box = box.replace("Elk getal is een link naar de cel die het berekende",
                              "Elk getal is een link naar de kerngetallenpagina")
        return _Html(box)

    def caveats(self) -> _Html:
        """Call-outs: synthetic data, placeholder scoring keys in use, small n
        (:func:`analysis.report.findings_sections.caveats`)."""
        from analysis.questionnaires import instruments

        placeholders = {}
        for instrument_id in instruments.available():
            spec = instruments.load_instrument(instrument_id)
            if spec.placeholder:
                placeholders[instrument_id] = spec.name
        return _Html(sections.caveats(self.numbers, synthetic=self.synthetic, say=self._render,
                                      placeholder_instruments=placeholders))

    def figure(self, name: str) -> Any:
        """The figure ``name`` embedded, with its caption and provenance line, under the stable
        id ``fig-<name>`` (the target of ``{figuur:<name>}`` in the text).

        Internal document: the run's PNG, when its provenance says this run made it. Published
        document: the figure as the figure checker published it (``figuren/``), or one
        sentence naming the figure and the Dutch reason it was withheld.
        """
        if self.published is not None:
            decision = self.published.figures.get(name)
            what = sections.figure_name_nl(name)
            if decision is None:  # the run did not make it (the cohort lacks its data): silent
                return _Markdown("" if not (paths.figures_dir(self.cohort)
                                            / f"{name}.png").is_file() else
                                 f"*{what[0].upper() + what[1:]} is niet gecontroleerd en staat "
                                 "dus niet in de publicatie.*")
            if not decision.shown:
                return _Markdown(f"*{what[0].upper() + what[1:]} is weggelaten in de "
                                 f"publicatieversie. {html.escape(decision.reason_nl)}*")
            png = self.published.folder / decision.file
            meta = provenance.read_png_metadata(png)
            return _Figure(png.read_bytes(), meta.get("Title", name), meta.get("Description", ""),
                           figure_id=f"fig-{name}")
        png = paths.figures_dir(self.cohort) / f"{name}.png"
        if not png.is_file():  # the cohort lacks its data: a document names what it has
            return _Markdown("")
        meta = provenance.read_png_metadata(png)
        if not self.made_by_this_run(meta):
            what = sections.figure_name_nl(name)
            return _Markdown(f"*{what[0].upper() + what[1:]} ontbreekt: het bestand is niet in "
                             "deze run gemaakt (de invoer is sindsdien veranderd), dus het wordt "
                             "niet getoond.*")
        return _Figure(png.read_bytes(), meta.get("Title", name), meta.get("Description", ""),
                       figure_id=f"fig-{name}")

    def figure_shown(self, name: str) -> bool:
        """Whether :meth:`figure` embeds ``name`` (same rules)."""
        if self.published is not None:
            decision = self.published.figures.get(name)
            return decision is not None and decision.shown
        png = paths.figures_dir(self.cohort) / f"{name}.png"
        if not png.is_file():
            return False
        return self.made_by_this_run(provenance.read_png_metadata(png))

    def figure_ref(self, name: str) -> str:
        """" (zie figuur N)" linking to figure ``name``, or "" when it is not shown; the number
        is filled in by :func:`analysis.report.site.annotate_findings`, in order of appearance.
        """
        if not self.figure_shown(name):
            return ""
        return (f' <span class="zie">(zie <a class="figuurverwijzing" href="#fig-{name}">'
                "figuur</a>)</span>")

    def made_by_this_run(self, meta: Mapping[str, str]) -> bool:
        """Whether a figure's provenance (PNG metadata) belongs to this run's inputs.

        The figure's ``Inputs hash`` must equal the hash of the cohort's raw folder now
        (:func:`analysis.report.provenance.input_hash`); a figure left by an earlier run on
        other inputs is never embedded. When the raw folder cannot be hashed, no figure is.
        """
        if self._inputs_hash is None:
            try:
                self._inputs_hash = provenance.input_hash(self.cohort,
                                                          self.config.get("_raw_root"))
            except Exception:  # no raw folder: nothing can be shown to belong to this run
                self._inputs_hash = ""
        return bool(self._inputs_hash) and meta.get("Inputs hash") == self._inputs_hash

    def claims(self) -> "ClaimsTable | None":
        """Published vs reproduced, as a Dutch table (None when the cohort has no claims).

        Internal document: writes ``reports/<cohort>/claims.csv`` (None when ``cohort.yaml``
        names no publication or no ``published_claims`` file: the section is then left out and
        ``claims.csv`` holds only its header, so the output exists for every cohort). Published
        document: the published claims table of the set (``claims.csv`` of the published
        folder, written by the publish stage). The view shows each claim's Dutch statement in
        full, published and reproduced values, interval, status and a Dutch note.
        """
        if self.published is not None:
            table = self.published.table("claims")
            return None if table is None or table.empty else ClaimsTable(self._claims_view(table))
        table = self.claims_table()
        write_csv_atomic(paths.reports_dir(self.cohort) / "claims.csv",
                         pd.DataFrame(columns=CLAIMS_COLUMNS) if table is None
                         else table[CLAIMS_COLUMNS])
        return None if table is None else ClaimsTable(self._claims_view(table))

    def claims_table(self) -> pd.DataFrame | None:
        """The claims reproduced from this run's key numbers (columns of
        :func:`analysis.report.claims.reproduce_claims`), or None without published claims."""
        from analysis.report import claims as claim_rules

        file_name = self.config.get("published_claims")
        raw = paths.raw_dir(self.cohort, self.config.get("_raw_root"))
        if not self.publication_cited or not file_name or not (raw / file_name).is_file():
            return None
        published = pd.read_csv(raw / file_name, dtype={"claim_id": str})
        return claim_rules.reproduce_claims(published, self.numbers)

    def _claims_view(self, table: pd.DataFrame) -> pd.DataFrame:
        from analysis.report.claims import STATUS_LABELS_NL, is_percent, notes_nl, statements_nl
        from analysis.report.claims import value_text

        dutch, notes = statements_nl(), notes_nl()
        statements = table["statement"] if "statement" in table else table["claim_id"]
        units = table["unit"] if "unit" in table else [None] * len(table)
        view = pd.DataFrame({
            "bewering": [dutch.get(c, s) for c, s in zip(table["claim_id"], statements)],
            "gepubliceerd": [value_text(v, is_percent(u, k)) for v, u, k in
                             zip(table["published"], units, table["numerator"])],
            "gereproduceerd": [self._reproduced_text(r) for r in table.itertuples()],
            "95%-interval": [self._interval_text(r) for r in table.itertuples()],
            "status": [STATUS_LABELS_NL.get(s, str(s)) for s in table["status"]],
            "toelichting": [notes.get(c, n if isinstance(n, str) else "") for c, n in
                            zip(table["claim_id"], table["note"] if "note" in table
                                else [""] * len(table))],
        })
        view.index = pd.RangeIndex(1, len(view) + 1, name="nr")
        return view

    @staticmethod
    def _reproduced_text(row) -> str:
        from analysis.report.claims import reproduced_text

        return reproduced_text(row.reproduced, row.numerator, row.denominator)

    @staticmethod
    def _interval_text(row) -> str:
        from analysis.report.claims import interval_text

        return interval_text(row.ci_low, row.ci_high)

    def warnings(self) -> pd.DataFrame | _Markdown:
        """The validation warnings of the data (file, row, column, what was expected); only in
        the internal document (rows and values of the raw data are never published)."""
        if self.published is not None:
            return _Markdown("")
        table = processed.read_warnings(self.cohort)
        if table.empty:
            return _Markdown("")
        return table.rename(columns={"file": "bestand", "row": "rij", "column": "kolom",
                                     "value": "waarde", "expected": "verwacht"})

    def _validated(self, name: str) -> pd.DataFrame | None:
        try:
            return processed.read_validated(self.cohort, name)
        except Exception:  # no validated data at all (notebook 00 did not run)
            return None

    def _processed(self, folder: str, name: str) -> pd.DataFrame | None:
        """A processed table of this run, or None when the run did not write it (absent data
        are not an error here; the section then says so)."""
        if not (processed.stage_dir(self.cohort, folder) / f"{name}.csv").is_file():
            return None
        return processed.read_table(self.cohort, folder, name)

    def quotes(self) -> _Markdown:
        """Quotes per theme that passed the privacy guard, as block quotes (never the review
        list of quotes that failed it); in the published document only the approved ones."""
        table = self._processed("qualitative", "quotes")
        if table is None or table.empty:
            return _Markdown("*Geen citaten beschikbaar.*")
        raw = paths.raw_dir(self.cohort, self.config.get("_raw_root"))
        table = privacy.approved_quotes(table, raw, publication=self.publication)
        parts = [] if self.publication else [privacy.NOT_FOR_PUBLICATION]
        for theme, rows in table.groupby("theme", sort=False):
            parts.append(f"**{html.escape(str(theme))}**")
            parts.extend(f"> {html.escape(str(q))}" for q in rows["quote"])
        if len(parts) == (0 if self.publication else 1):
            return _Markdown("*Geen citaten beschikbaar.*" if not self.publication else
                             "*Geen goedgekeurde citaten: de onderzoeker heeft voor deze "
                             "publicatie geen citaten vrijgegeven (`quotes_approved.csv`).*")
        return _Markdown("\n\n".join(parts))

    def scheme_table(self) -> pd.DataFrame | _Markdown:
        """The chain (counts) under every usable cut-off scheme, or a sentence when absent."""
        table = self._table("scheme", lambda: self._processed("questionnaires",
                                                              "chain_by_scheme"))
        if table is None or table.empty:
            return _Markdown(narrative.absent_sentence("de keten onder de afkapschema's"))
        wide = table.pivot(index=["step", "label_nl"], columns="scheme", values="k")
        wide.index = wide.index.get_level_values("label_nl")
        wide.index.name, wide.columns.name = "stap", "afkapschema"
        from analysis.report.display import CaptionedTable

        return CaptionedTable(wide, "afkapschemas", "Aantal gezinnen bij elke stap van de keten "
                              "onder elk bruikbaar afkapschema van de SDQ.")

    def colophon(self, parameters: Mapping[str, Any], *, after_record: bool = False) -> Any:
        """Package versions, parameters, commit and run date of this document, then the
        reproducibility block (:mod:`analysis.report.reproducibility`; marked volatile, so
        committed notebooks hold a fixed placeholder instead). The published document states
        its threshold and leaves out what changed since an earlier run (that would show the
        earlier run's values). ``after_record``: rebuilt by the site after the run was kept in
        the history (:func:`analysis.report.reproducibility.block`)."""
        from analysis.report import reproducibility

        parameters = {k: v for k, v in parameters.items() if k != "published"}
        info = provenance.colophon(dict(parameters))
        versions = ", ".join(f"{k} {v}" for k, v in sorted(info["packages"].items()))
        params = ", ".join(f"`{k}` = {v!r}" for k, v in sorted(info["parameters"].items()))
        text = (f"**Colofon.** Gemaakt op {info['run_date']} met commit `{info['commit']}` en "
                f"Python {info['python']}. Parameters: {params}. Pakketten: {versions}.")
        raw_root = self.config.get("_raw_root")
        if self.published is None:
            return reproducibility.with_block(text, self.cohort, parameters, raw_root=raw_root,
                                              after_record=after_record)
        text += (f" Publicatieversie, gemaakt met grens {self.published.threshold} voor kleine "
                 "aantallen (`python -m analysis publish`).")
        used = reproducibility.used_parameters(self.cohort)
        info = reproducibility.checks(self.cohort, used, raw_root=raw_root)
        return reproducibility.mark_volatile(f"{text}\n\n{reproducibility.format_block(info)}")


def disclosure_legend(threshold: int) -> str:
    """One Dutch paragraph saying how the published document shows what it withholds.

    >>> disclosure_legend(5)[:60]
    'Aantallen personen (gezinnen, kinderen, ouders, professional'
    """
    return (f"Aantallen personen (gezinnen, kinderen, ouders, professionals) van 1 tot en met "
            f"{threshold - 1} staan er als \"<{threshold}\"; een aantal dat uit de andere "
            "getallen terug te rekenen zou zijn, en een aandeel, interval of toets die een "
            "verborgen aantal zou verraden, als \"x\" (het teken van het CBS voor een "
            "geheim gegeven). Aantallen die geen personen tellen (sessies, uren, "
            "waarschuwingen) en nullen staan er zoals ze zijn. Figuren staan er alleen in als ze "
            "uit hun eigen cijfertabel gecontroleerd zijn; een weggelaten figuur wordt genoemd "
            "met de reden.")


class ClaimsTable:
    """The Dutch claims table: full statements, wrapping text, a coloured status, no ids."""

    STATUS_COLOURS = {"gereproduceerd": "#2e7d32", "wijkt af": "#b3261e",
                      "niet te berekenen": "#6d6d6d"}  # white text at 5.1 to 6.5:1 (WCAG AA)

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def _repr_html_(self) -> str:
        cell = "padding:4px 8px;text-align:left;vertical-align:top;white-space:normal"
        head = "".join(f'<th style="{cell}">{html.escape(c)}</th>' for c in self.frame.columns)
        rows = []
        for record in self.frame.itertuples(index=False):
            cells = []
            for column, value in zip(self.frame.columns, record):
                text = html.escape(str(value))
                if column == "status":
                    colour = self.STATUS_COLOURS.get(str(value), "#6d6d6d")
                    text = (f'<span style="background:{colour};color:white;padding:1px 6px;'
                            f'border-radius:8px;white-space:nowrap">{text}</span>')
                cells.append(f'<td style="{cell}">{text}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return ('<table id="tabel-beweringen" class="claims" style="border-collapse:collapse;'
                'width:100%"><caption>De getallen van de publicatie naast de waarden die deze '
                "analyse berekent, met status en toelichting.</caption>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


def _escaped(numbers: Mapping[str, Any]) -> dict[str, Any]:
    """Text values through the privacy gate and jinja2's autoescape (a ``<script>`` in
    cohort.yaml's title is shown as text, never run); numbers unchanged."""
    from jinja2 import Environment

    env = Environment(autoescape=True)
    template = env.from_string("{{ value }}")
    return {k: template.render(value=privacy.gate_value(v)) if isinstance(v, str)
            and not getattr(v, "suppressed", False) else v for k, v in numbers.items()}


class _Figure:
    """An embedded PNG with its caption (one HTML output, so nbconvert keeps it together)."""

    def __init__(self, png: bytes, title: str, caption: str, *, figure_id: str = ""):
        self.png, self.title, self.caption, self.figure_id = png, title, caption, figure_id

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        anchor = f' id="{html.escape(self.figure_id)}"' if self.figure_id else ""
        return (f'<figure{anchor} style="margin:1em 0"><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(self.title)}" style="max-width:100%"/>'
                f'<figcaption style="font-size:90%">{html.escape(self.caption)}</figcaption>'
                "</figure>")

    def __repr__(self) -> str:
        return f"Figuur: {self.title}"


def open_findings(cohort: str, *, raw_root: str | None = None,
                  published: str | None = None) -> Findings:
    """The findings helpers for ``cohort``: its merged key numbers and settings.

    ``published`` is the hand-over file of the publish stage
    (:data:`analysis.report.published.SET_FILE`, relative to the project root or absolute):
    the document is then the published rendering, with every number from that set. Without
    it, the fragments of the earlier notebooks are merged here (as the pipeline does before
    this notebook), so the notebook also works when run on its own, in JupyterLab or under
    nbval.
    """
    config = dict(processed.read_config(cohort))
    config["_raw_root"] = raw_root
    if published is not None:  # relative: to the kernel's working folder, the project root
        given = Path(published)
        the_set = read_set(given if given.is_absolute() or given.exists() else paths.ROOT / given)
        return Findings(cohort=cohort, numbers=dict(the_set.numbers), config=config,
                        published=the_set)
    keynumbers.merge(cohort)
    return Findings(cohort=cohort, numbers=keynumbers.load(cohort), config=config,
                    sources=keynumbers.read_sources(cohort))
