"""Command line of the compendium: ``python -m analysis`` or the ``vaktherapie`` script.

Subcommands (``python -m analysis SUBCOMMAND --help`` for each):

``run``         execute the notebooks of a cohort in order, re-running only what changed
``status``      per notebook: cached, or stale and why (``run --dry-run`` prints the same)
``validate``    check a cohort's raw data against the data contract
``new-cohort``  scaffold ``data/raw/NAME/`` with ``cohort.yaml`` and empty template files
``score``       score one questionnaire export without running the pipeline
``coding``      convert QDA exports (REFI-QDA, QualCoder, Taguette, ATLAS.ti, Dedoose) to one
                segments table
``synth``       write a synthetic cohort of any size in the data contract
``compare``     render a side-by-side document of several cohorts' key numbers
``publish``     render the published set into ``reports/<cohort>/publicatie/``
``share``       zip the published set after checking every file (or refuse)
``prepare``     build the de-identifier's lookup structures once per installation
``diff``        list the key numbers that changed between two recorded runs (or cohorts)
``site``        rebuild a cohort's findings site (``--pdf``: also print findings.pdf)
``explain``     where a key number comes from: label, value, cell and the functions it calls

Errors a user can fix (bad input, unknown cohort, wrong parameter) are printed as one paragraph
and give exit code 2, never a traceback. Heavy libraries are imported only by the subcommand
that needs them, so ``run`` with nothing to do starts fast.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Callable, Sequence

from analysis import paths
from analysis.errors import CompendiumError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args) or EXIT_OK)
    except CompendiumError as error:
        _print_error(error)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - a bug: one line on the terminal, details in a log
        log = _write_error_log(error, argv)
        print(f"internal error (a bug, not a problem with your input): {type(error).__name__}"
              f"; details in {log}", file=sys.stderr)
        return EXIT_FAILED


ERROR_LOG = "error.log"
"""Where :func:`main` writes the traceback of an internal error: ``reports/error.log`` (or the
system's temporary folder when ``reports/`` cannot be written)."""


def _write_error_log(error: BaseException, argv: Sequence[str] | None) -> str:
    """Write the traceback of ``error`` to :data:`ERROR_LOG`; returns the path as shown."""
    import tempfile
    import traceback

    from analysis.atomic import write_text_atomic

    command = " ".join(["python -m analysis", *(sys.argv[1:] if argv is None else argv)])
    text = (f"command: {command}\n\n"
            + "".join(traceback.format_exception(type(error), error, error.__traceback__)))
    for folder in (paths.REPORTS, Path(tempfile.gettempdir())):
        try:
            return paths.display(write_text_atomic(folder / ERROR_LOG, text))
        except OSError:
            continue
    return "(no writable folder for the log)"


def _print_error(error: BaseException) -> None:
    message = str(error).strip()
    lines = message.splitlines() or [""]
    print("error: " + textwrap.fill(lines[0], width=100, subsequent_indent="  "), file=sys.stderr)
    for line in lines[1:]:
        print("  " + line, file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Reproducible compendium for the Helmond pilot vaktherapie en sociaal werk.",
    )
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")

    def add(name: str, handler: Callable, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    p = add("run", _run, "execute the notebooks of a cohort in order (incremental)")
    _cohort_arg(p)
    p.add_argument("--raw-dir", help="folder holding <cohort>/ (default: data/raw)")
    p.add_argument("--params", metavar="FILE.yaml", help="analysis parameters overriding the defaults")
    p.add_argument("--force", action="store_true", help="re-run every notebook, cached or not")
    p.add_argument("--only", metavar="NOTEBOOK", action="append",
                   help="run only this notebook (name or number; repeatable) and what it needs")
    p.add_argument("--jobs", type=int, default=None,
                   help="notebooks run at once when independent (default: number of cores, at most 2)")
    p.add_argument("--update-notebooks", action="store_true",
                   help="copy the executed notebooks back into notebooks/ (bundled cohort only)")
    p.add_argument("--wait", action="store_true",
                   help="when another run of this cohort is in progress, wait for it to finish "
                        "(default: refuse)")

    p.add_argument("--cold-kernels", action="store_true",
                   help="start each notebook's kernel only when it runs (default: the next "
                        "notebooks' kernels start ahead with their imports done)")
    p.add_argument("--dry-run", action="store_true",
                   help="print which notebooks would run and why, without running anything")

    p = add("status", _status, "per notebook: cached, or stale and why (nothing is run)")
    _cohort_arg(p)
    p.add_argument("--raw-dir", help="folder holding <cohort>/ (default: data/raw)")
    p.add_argument("--params", metavar="FILE.yaml",
                   help="analysis parameters a run would use (default: those of pipeline.yaml)")

    p = add("validate", _validate, "check a cohort's raw data against the data contract")
    _cohort_arg(p)
    p.add_argument("--raw-dir", help="folder holding <cohort>/ (default: data/raw)")

    p = add("new-cohort", _new_cohort, "scaffold data/raw/NAME/ with cohort.yaml and templates")
    p.add_argument("name", help="cohort name, e.g. eindhoven-2025 (letters, digits, '-', '_')")
    p.add_argument("--raw-dir", help="folder to create NAME/ in (default: data/raw)")
    p.add_argument("--from-export", metavar="FILE", nargs="+", action="extend",
                   help="exports (.csv, .xlsx, .sav; each of another table) to copy in, "
                   "recognised by their content, with a files: mapping of their columns; "
                   "columns holding direct identifiers (E-mail, Naam) are left out of the copy")
    p.add_argument("--synthetic", action="store_true",
                   help="generated data: do not add the folder to .git/info/exclude")

    p = add("score", _score, "score one questionnaire export (one row per input row)")
    p.add_argument("instrument", help="instrument id, e.g. sdq, ari_cp")
    p.add_argument("file", help="export to score (.csv, .xlsx or .sav)")
    p.add_argument("--out", help="write the scores here (CSV); default: print to the terminal")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    p.add_argument("--scheme", help="cut-off scheme for the bands (default: the instrument's)")

    p = add("coding", _coding, "convert QDA exports to the contract's coding/segments.csv")
    p.add_argument("files", nargs="+", help="REFI-QDA projects (.qdpx, .qde or folder), "
                   "segments.csv, QualCoder, Taguette, ATLAS.ti or Dedoose exports (recognised "
                   "by content); or only codebooks (.qdc, Taguette codebook CSV) to write a "
                   "code list")
    p.add_argument("--out", required=True, help="CSV to write (UTF-8)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    p.add_argument("--coder", action="append", metavar="NAME",
                   help="who coded the file(s) whose export names no coder: once for all "
                   "files, or once per file in the order given")
    p.add_argument("--positions", choices=["auto", "utf16", "codepoints"], default="auto",
                   help="unit of REFI-QDA positions (default: decided per source from the data)")
    p.add_argument("--schema", action="store_true",
                   help="validate REFI-QDA projects against the REFI-QDA schema (Project.xsd)")
    p.add_argument("--keep-going", action="store_true",
                   help="report broken files and convert the others instead of stopping")

    p = add("synth", _synth, "write a synthetic cohort in the data contract")
    _cohort_arg(p)
    p.add_argument("--families", type=int, default=22, help="family trajectories (default 22)")
    p.add_argument("--seed", type=int, default=2023, help="random seed (default 2023)")
    p.add_argument("--raw-dir", help="folder to write <cohort>/ in (default: data/raw)")

    p = add("publish", _publish, "render the published set of a cohort's last run into "
                                 "reports/<cohort>/publicatie/")
    _cohort_arg(p)
    p.add_argument("--raw-dir", help="folder holding <cohort>/ (default: data/raw)")
    p.add_argument("--threshold", type=int, default=None,
                   help="smallest group of people shown (default: the threshold of the existing "
                        "published set, else 5; CBS asks 10)")
    p.add_argument("--pdf", action="store_true",
                   help="also print publicatie/findings.pdf with headless Chromium")

    p = add("share", _share, "zip the published set after checking every file")
    _cohort_arg(p)
    p.add_argument("--raw-dir", help="folder holding <cohort>/ (default: data/raw)")
    p.add_argument("--threshold", type=int, default=None,
                   help="smallest group of people shown (default: the threshold of the published "
                        "set, else 5; CBS asks 10); another threshold renders the set again")
    p.add_argument("--planted", metavar="FILE",
                   help="text file of values (one a line) that must not occur in any output")

    p = add("compare", _compare, "side-by-side document of several cohorts' key numbers")
    p.add_argument("cohorts", nargs="+", help="cohorts that have been run")
    p.add_argument("--publicatie", action="store_true",
                   help="compare the cohorts' published sets (reports/<cohort>/publicatie/)")

    add("prepare", _prepare, "build the de-identifier's lookup structures (once per installation)")

    p = add("site", _site, "(re)build the findings site of a cohort that has been run")
    _cohort_arg(p)
    p.add_argument("--pdf", action="store_true",
                   help="also print findings.pdf with headless Chromium")

    p = add("explain", _explain, "where a key number comes from: label, value, cell, functions")
    p.add_argument("key", help="key number name, e.g. sdq_total_wilcoxon_p")
    _cohort_arg(p)

    p = add("diff", _diff, "key numbers that changed between two recorded runs")
    p.add_argument("runs", nargs="*", metavar="RUN",
                   help="run number or commit prefix; default: the last two runs (with two "
                        "--cohort: the latest run of each)")
    p.add_argument("--cohort", action="append", metavar="NAME",
                   help=f"cohort (default {paths.DEFAULT_COHORT}); give twice to compare cohorts")
    p.add_argument("--publicatie", action="store_true",
                   help="show the key numbers as they would be published (marks for what "
                        "disclosure control withholds), never a raw value")
    p.add_argument("--threshold", type=int, default=None,
                   help="with --publicatie: the threshold (default: that of the cohort's "
                        "published set, else 5)")
    return parser


def _cohort_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cohort", default=paths.DEFAULT_COHORT,
                   help=f"cohort name, a folder in data/raw (default: {paths.DEFAULT_COHORT})")


def _run(args: argparse.Namespace) -> int:
    from analysis.pipeline import runner as pipeline

    return pipeline.run(
        args.cohort, raw_root=args.raw_dir, params_file=args.params,
        force=args.force, only=args.only, jobs=args.jobs,
        update_notebooks=args.update_notebooks, wait=args.wait, dry_run=args.dry_run,
        warm_kernels=not args.cold_kernels,
    )


def _status(args: argparse.Namespace) -> int:
    from analysis.pipeline import runner as pipeline

    for line in pipeline.status(args.cohort, raw_root=args.raw_dir, params_file=args.params):
        print(line)
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from analysis.data import validate
    from analysis.data.safe_input import check_name

    folder = paths.raw_dir(check_name(args.cohort), args.raw_dir)
    report = validate.validate_cohort(folder)
    print(report.format())
    if not _deduce_prepared():
        _prepare(args)
    return EXIT_USAGE if report.errors else EXIT_OK


def _new_cohort(args: argparse.Namespace) -> int:
    from analysis.data import cohort

    made = cohort.new_cohort(args.name, raw_root=args.raw_dir, from_export=args.from_export,
                             synthetic=args.synthetic)
    if not made.exports:
        print(f"created {paths.display(made.folder)}: fill in cohort.yaml, then drop the exports "
              "in")
    else:
        print(f"created {paths.display(made.folder)} with {len(made.exports)} export(s) and no "
              "templates: fill in cohort.yaml, then run validate")
    for match in made.exports:
        how = f", items recognised by {match.how}" if match.how else ""
        print(f"copied {match.file} in as table {match.table!r}{how}; cohort.yaml maps "
              f"{len(match.mapped)} of its columns under files: (check them)")
        for source, target in list(match.mapped.items())[:8]:
            print(f"  {source[:60]!r} -> {target}")
        if len(match.mapped) > 8:
            print(f"  ... and {len(match.mapped) - 8} more (see cohort.yaml)")
        if match.survey_items:
            print(f"numbered its {len(match.survey_items)} questions ps_01 ... and listed them "
                  "in parent_survey_items.csv (check the guessed types, add the domains)")
        if match.dropped:
            print(f"left out of the copy ({len(match.dropped)} column(s) holding direct "
                  "identifiers): " + ", ".join(repr(c[:40]) for c in match.dropped))
        if match.unknown:
            print(f"not recognised ({len(match.unknown)}), kept as extra columns unless you map "
                  "them: " + ", ".join(repr(c[:40]) for c in match.unknown))
        if match.missing:
            print("required contract columns not found: " + ", ".join(match.missing))
    if made.excluded:
        print(f"added {made.excluded} to .git/info/exclude: git will not see these real data "
              "(undo: delete that line from .git/info/exclude)")
    elif not args.synthetic:
        print("not inside a git clone: nothing added to .git/info/exclude")
    return EXIT_OK


def _score(args: argparse.Namespace) -> int:
    from analysis.atomic import check_output, write_csv_atomic, write_output
    from analysis.data.io import read_table
    from analysis.questionnaires import scoring
    from analysis.questionnaires.instruments import load_instrument

    instrument = load_instrument(args.instrument)  # an unknown instrument stops before reading
    if args.out:
        check_output(args.out, force=args.force, inputs=[args.file])
    data = read_table(args.file)
    data.attrs["source_file"] = Path(args.file).name  # problems name the file as given
    scores = scoring.score_instrument(data, instrument, scheme=args.scheme)
    if args.out:
        write_output(args.out, lambda out: write_csv_atomic(out, scores))
        print(f"wrote {len(scores)} rows to {paths.display(args.out)}")
    else:
        print(scores.to_csv(index=False, lineterminator="\n"), end="")
    return EXIT_OK


def _coding(args: argparse.Namespace) -> int:
    import warnings

    import pandas as pd

    from analysis.atomic import check_output, write_output, write_text_atomic
    from analysis.qualitative import qda

    check_output(args.out, force=args.force, inputs=args.files)
    coders = args.coder or []
    if len(coders) not in (0, 1, len(args.files)):
        _print_error(ValueError(f"--coder: {len(coders)} names for {len(args.files)} files; "
                                "expected one name for all files or one per file"))
        return EXIT_USAGE
    coders = coders * len(args.files) if len(coders) == 1 else coders or None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", qda.CodingWarning)
        kinds = {_export_kind(qda, f) for f in args.files}
        if kinds == {"codebook"}:
            codes = pd.concat([qda.read_codebook(f) for f in args.files], ignore_index=True)
            write_output(args.out, lambda out: write_text_atomic(out, codes.drop_duplicates(
                "code").to_csv(index=False, lineterminator="\n")))
            print(f"wrote {codes['code'].nunique()} codes to {paths.display(args.out)}")
            return EXIT_OK
        if "codebook" in kinds:
            _print_error(ValueError("codebooks (.qdc, Taguette codebook) and coding exports "
                                    "mixed; expected one kind per run"))
            return EXIT_USAGE
        segments, problems = qda.read_coding_files(
            args.files, keep_going=args.keep_going, positions=args.positions, coders=coders,
            schema=args.schema)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    write_output(args.out, lambda out: write_text_atomic(out, qda.contract_csv(segments)))
    print(f"wrote {len(segments)} segments to {paths.display(args.out)}")
    return EXIT_FAILED if problems else EXIT_OK


def _deduce_prepared() -> bool:
    from analysis.privacy import prepare

    return prepare.is_prepared()


def _prepare(args: argparse.Namespace) -> int:
    """Make deduce's lookup structures ready now (from the per-user cache, or built), with a
    progress line, so notebook 02 never builds them (:mod:`analysis.privacy.prepare`)."""
    from analysis.privacy import prepare

    prepare.prepare(say=lambda line: print(line, flush=True))
    return EXIT_OK


def _export_kind(qda, file: str) -> str:
    try:
        return qda.export_kind(file)
    except qda.CodingFileError:
        return "unreadable"  # reported (or skipped with --keep-going) by the reader


def _synth(args: argparse.Namespace) -> int:
    from analysis.data import synthetic

    folder = synthetic.write_cohort(
        args.cohort, families=args.families, seed=args.seed, raw_root=args.raw_dir
    )
    print(f"wrote synthetic cohort {args.cohort!r} ({args.families} families) to {paths.display(folder)}")
    return EXIT_OK


def _site(args: argparse.Namespace) -> int:
    from analysis.report import site

    index = site.build_site(args.cohort)
    print(f"site: {paths.display(index)}")
    if args.pdf:
        print(f"pdf: {paths.display(site.print_pdf(args.cohort))} (internal document; the "
              f"published one: python -m analysis publish --cohort {args.cohort} --pdf)")
    return EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    from analysis.publish import render

    result = render.publish(args.cohort, threshold=args.threshold, raw_root=args.raw_dir,
                            pdf=args.pdf)
    withheld = [f for f in result.figures if not f.shown]
    for figure in withheld:
        print(f"withheld: figuren/{figure.name}: {figure.reason_nl}")
    print(f"wrote {paths.display(result.folder)} ({len(result.files)} files, threshold "
          f"{result.threshold}, {len(result.figures) - len(withheld)} of {len(result.figures)} "
          f"figures) in {result.seconds:.1f} s")
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from analysis.report.explain import explain

    print(explain(args.key, args.cohort).text())
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    from analysis.report import pages as report

    out = report.compare_cohorts(args.cohorts, published=args.publicatie)
    print(paths.display(out))
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from analysis.report import history

    cohorts = args.cohort or [paths.DEFAULT_COHORT]
    if len(cohorts) > 2 or len(args.runs) > 2:
        raise CompendiumError("diff compares two runs: give at most two RUN values and at most "
                              "two --cohort options")
    first, second = (cohorts * 2)[:2]
    refs = list(args.runs)
    if len(cohorts) == 1 and len(refs) < 2:  # default: the one before the newer run
        a = history.select(first, refs[0] if refs else None, root=paths.ROOT,
                           offset=0 if refs else 1)
        b = history.select(second, None, root=paths.ROOT)
    else:
        refs += [None] * (2 - len(refs))
        a = history.select(first, refs[0], root=paths.ROOT)
        b = history.select(second, refs[1], root=paths.ROOT)
    if args.publicatie:
        from analysis.publish import render

        def shown(record: dict, cohort: str) -> dict:
            threshold = render.check_threshold(args.threshold or render.default_threshold(cohort))
            return render.published_record(record, threshold=threshold)

        a, b = shown(a, first), shown(b, second)
        print("published values only (disclosure control applied to both runs)")
    elif args.threshold is not None:
        raise CompendiumError("--threshold is only used with --publicatie")
    print(history.format_diff(history.diff(a, b)))
    return EXIT_OK


def _share(args: argparse.Namespace) -> int:
    from analysis.publish import share

    planted = []
    if args.planted:
        planted = [line.strip() for line in Path(args.planted).read_text(
            encoding="utf-8").splitlines() if line.strip()]
    result = share.share(args.cohort, threshold=args.threshold, planted=planted,
                         raw_root=args.raw_dir)
    for name in result.withheld:
        print(f"withheld: {name}")
    if result.refused:
        print(f"refused: {len(result.failures)} problem(s); see {paths.display(result.check_path)}",
              file=sys.stderr)
        for failure in result.failures:
            print(f"  {failure.file}: {failure.rule}: {failure.reason}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {paths.display(result.zip_path)} (threshold {result.threshold}; checks: "
          f"{paths.display(result.check_path)})")
    return EXIT_OK
