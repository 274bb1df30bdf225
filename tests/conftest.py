"""Shared, seeded test fixtures: a random generator and a tiny valid cohort in the data contract.

The cohort (:func:`write_valid_cohort`) is four families written by hand, small enough to read:
F01 and F02 completed with SDQ and ARI-CP at T0 and T1, F03 dropped out (T0 only), F04 ongoing
(T0 only). It exercises the reading rules on purpose: ``ari_cp.csv`` is a Dutch Excel export
(``;`` delimiter, ``DD-MM-YYYY`` dates, decimal comma), ``sdq.csv`` mixes numbers and Dutch
answer labels, and identifiers have leading zeros. It validates without errors or warnings;
tests derive each bad case from a copy of it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

COHORT_NAME = "test-cohort"

COHORT_YAML = """\
name: test-cohort
title: Testcohort
municipality: Helmond
period_start: 2023-09-01
period_end: 2024-10-31
slots: 30
synthetic: true
"""

TRAJECTORIES = """\
family_id,status,start_date,end_date,therapy,therapist_id,social_worker_id,referral,child_age,child_sex,observation_sessions,therapy_sessions,collaboration_hours,indicated,substituted,placement_threat,placement_averted
F01,completed,2023-09-18,2024-03-04,speltherapie,T007,SW01,parents,7,f,3,20,4.5,ja,ja,nee,
F02,completed,2023-10-02,2024-04-15,pmt,T002,SW02,school,10,m,4,25,5,true,false,true,true
F03,dropped_out,2023-11-06,2024-01-22,speltherapie,T007,SW01,gp,5,x,3,6,2,1,0,0,
F04,ongoing,2024-05-13,,beeldend,T003,SW03,other,4,m,5,9,"1,5",nee,nee,nee,
"""

PARENT_SURVEY_ITEMS = """\
item,text,type,domain
q01,Ik voelde me gehoord door de sociaal werker,likert5,samenwerking
q02,Zou u het traject aanraden?,yesno,tevredenheid
q03,Wat wilt u nog kwijt?,text,open
"""

PARENT_SURVEY = """\
family_id,date,q01,q02,q03
F01,2024-03-10,5,ja,Fijn traject
F02,2024-04-20,mee eens,nee,
F03,2024-01-25,3,yes,
"""

SESSIONS = """\
session_id,session_type,group,date,n_participants
S01,focus_group,social_workers,2024-02-12,6
S02,interview,parents,2024-03-18,1
"""

SEGMENTS = """\
session_id,segment_id,participant,coder,code,text
S01,S01-001,P01,C1,Werkzame elementen > Screening,We keken samen naar de aanmelding.
S01,S01-001,P01,C2,Werkzame elementen > Screening,We keken samen naar de aanmelding.
S02,S02-001,P07,C1,Opbrengsten > Ouders,Ik snap mijn kind beter.
"""

# (family, timepoint, ISO date) of the questionnaire rows.
MOMENTS = [
    ("F01", "T0", "2023-09-11"), ("F01", "T1", "2024-03-01"),
    ("F02", "T0", "2023-09-28"), ("F02", "T1", "2024-04-10"),
    ("F03", "T0", "2023-11-01"), ("F04", "T0", "2024-05-06"),
]
SDQ_LABELS = {0: "niet waar", 1: "een beetje waar", 2: "zeker waar"}


def _sdq_csv(rng: np.random.Generator) -> str:
    header = ["family_id", "timepoint", "date", "informant"] + [f"sdq_{i:02d}" for i in range(1, 26)]
    lines = [",".join(header)]
    for row, (family, timepoint, date) in enumerate(MOMENTS):
        answers = rng.integers(0, 3, size=25)
        cells = [str(a) for a in answers]
        if row == 0:  # first row: answers given as Dutch labels, as some platforms export
            cells = [SDQ_LABELS[int(a)] for a in answers]
        lines.append(",".join([family, timepoint, date, "mother", *cells]))
    return "\n".join(lines) + "\n"


def _ari_csv(rng: np.random.Generator) -> str:
    """Dutch Excel export: ';' delimiter, DD-MM-YYYY dates, Windows line ends."""
    header = ["family_id", "timepoint", "date", "informant"] + [f"ari_{i:02d}" for i in range(1, 49)]
    lines = [";".join(header)]
    for family, timepoint, date in MOMENTS:
        year, month, day = date.split("-")
        answers = [str(a) for a in rng.integers(1, 6, size=48)]
        lines.append(";".join([family, timepoint, f"{day}-{month}-{year}", "moeder", *answers]))
    return "\r\n".join(lines) + "\r\n"


def write_valid_cohort(root: Path, name: str = COHORT_NAME, seed: int = 2023) -> Path:
    """Write the tiny valid cohort to ``root/name`` and return the folder."""
    rng = np.random.default_rng(seed)
    folder = Path(root) / name
    (folder / "coding").mkdir(parents=True)
    files = {
        "cohort.yaml": COHORT_YAML.replace("test-cohort", name),
        "trajectories.csv": TRAJECTORIES,
        "sdq.csv": _sdq_csv(rng),
        "parent_survey_items.csv": PARENT_SURVEY_ITEMS,
        "parent_survey.csv": PARENT_SURVEY,
        "coding/sessions.csv": SESSIONS,
        "coding/segments.csv": SEGMENTS,
    }
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8", newline="")
    (folder / "ari_cp.csv").write_bytes(_ari_csv(rng).encode("cp1252"))
    return folder


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator (seed 2023)."""
    return np.random.default_rng(2023)


@pytest.fixture
def valid_cohort(tmp_path: Path) -> Path:
    """Folder of the tiny valid cohort, freshly written into ``tmp_path``."""
    return write_valid_cohort(tmp_path)


@pytest.fixture(scope="session")
def chromium():
    """Path of a headless Chromium; installed with apt-get when missing and running as root,
    else the test is skipped with the reason (see tests/browser.py)."""
    try:
        import browser
    except ImportError:  # pragma: no cover
        from tests import browser
    found = browser.find_chromium()
    if found:
        return found
    found, message = browser.install_chromium()
    if found is None:
        pytest.skip(f"headless browser checks need Chromium: {message}")
    print(message)  # shown with pytest -s; says how long the installation took
    return found


# --------------------------------------------------------------------------- the test pyramid
# Markers (registered in pyproject.toml; README, "Tests"):
#   kernel   starts a Jupyter kernel or runs the pipeline (in this process or a subprocess)
#   slow     end to end: the whole pipeline on a cohort, notebooks, matrices of shapes
#   browser  needs headless Chromium
#   perf     timed guards and large inputs (pytest-benchmark)
# `make test-fast` deselects all four. Tests are marked here by what they use (the fixtures
# below), so a new test that uses them is marked without thinking; and a test that starts a
# kernel without any of these markers fails with a message saying so (see _guard_kernels).

KERNEL_FIXTURES = frozenset({
    "test_pipeline.py::template", "test_faults.py::template",
})
"""Fixtures (module::name) that execute notebooks: every test using one is marked ``kernel``."""

PERF_FIXTURES = frozenset({"benchmark"})
"""Fixtures whose tests are timed guards: marked ``perf``."""

MARKERS_ALLOWING_KERNELS = ("kernel", "slow", "browser", "perf")

_running: dict[str, object] = {"item": None, "kernels": {}}


def _fixture_keys(item) -> set[str]:
    info = getattr(item, "_fixtureinfo", None)
    keys: set[str] = set()
    if info is None:
        return keys
    for name, definitions in info.name2fixturedefs.items():
        keys.add(name)
        for definition in definitions:
            module = getattr(getattr(definition, "func", None), "__module__", "") or ""
            keys.add(f"{module.rsplit('.', 1)[-1]}.py::{name}")
    return keys


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(getattr(item, "path", "")).endswith(".ipynb"):  # nbval: each cell runs in a kernel
            item.add_marker(pytest.mark.kernel)
        keys = _fixture_keys(item)
        if keys & KERNEL_FIXTURES:
            item.add_marker(pytest.mark.kernel)
        if keys & PERF_FIXTURES:
            item.add_marker(pytest.mark.perf)


def _allows_kernels(item) -> bool:
    return any(item.get_closest_marker(m) for m in MARKERS_ALLOWING_KERNELS)


def _guard_kernels() -> None:
    """Make a test that starts a Jupyter kernel without a marker that allows it fail, naming
    the marker to add (kernels started by the pipeline in this process all pass here)."""
    try:
        from jupyter_client.provisioning import local_provisioner
    except ImportError:  # pragma: no cover - jupyter_client is a dependency
        return
    launch = local_provisioner.launch_kernel
    if getattr(launch, "_compendium_guard", False):
        return

    def guarded(cmd, **kwargs):
        item = _running["item"]
        if item is not None and not _allows_kernels(item):
            _running["kernels"][item.nodeid] = True
            raise RuntimeError(f"{item.nodeid} starts a Jupyter kernel; mark it "
                               "@pytest.mark.kernel (or use a fixture in "
                               "tests/conftest.py KERNEL_FIXTURES) so make test-fast skips it")
        return launch(cmd, **kwargs)

    guarded._compendium_guard = True
    local_provisioner.launch_kernel = guarded


def pytest_configure(config):
    _guard_kernels()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _running["item"] = item
    try:
        yield
    finally:
        _running["item"] = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    started = _running["kernels"].pop(item.nodeid, False) if call.when == "teardown" else \
        _running["kernels"].get(item.nodeid, False)
    if started and call.when != "teardown":
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} started a Jupyter kernel but is not marked kernel, "
                           "slow, browser or perf: add @pytest.mark.kernel so that "
                           "make test-fast (no kernels) leaves it out")
