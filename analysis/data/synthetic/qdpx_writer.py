"""A minimal, deterministic REFI-QDA project export (``.qdpx``) of coded text sources.

Format: REFI-QDA Project Exchange 1.0 (https://www.qdasoftware.org), a zip holding
``project.qde`` (XML in the namespace ``urn:QDA-XML:project:1.0``) and ``sources/<guid>.txt``
(UTF-8 plain text). Written elements: ``Users/User``, ``CodeBook/Codes`` with nested ``Code``
(``guid``, ``name``, ``isCodable``), ``Sources/TextSource`` (``guid``, ``name``,
``plainTextPath="internal://<guid>.txt"``) with ``PlainTextSelection`` (``guid``, ``name``,
``startPosition``, ``endPosition`` in Unicode code points, end exclusive, ``creatingUser``)
holding ``Coding/CodeRef`` (``targetGUID``), and ``Cases/Case`` (one per participant, ``name``
= pseudonym) with a ``SelectionRef`` to each of that participant's selections. A selection's
``name`` is its selected text, as most QDA programs write it.

Byte-identical output: GUIDs are UUID-5 values derived from the seed and a stable name, the
zip entries have a fixed timestamp (1980-01-01 00:00), fixed permissions and a fixed order, and
no ``creationDateTime`` attributes are written.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass

from lxml import etree

NAMESPACE: str = "urn:QDA-XML:project:1.0"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Selection:
    """One coded stretch of a text source: code-point offsets (end exclusive), code path, coder,
    a stable ``key`` (for its GUID) and the speaking ``participant``."""

    start: int
    end: int
    code: str
    coder: str
    key: str
    participant: str


def guid(seed: int, name: str) -> str:
    """Deterministic GUID of ``name`` within the project generated from ``seed``."""
    space = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:analysis.synthetic:{seed}")
    return str(uuid.uuid5(space, name))


def qdpx_bytes(*, project: str, source_name: str, text: str, selections: list[Selection],
               codebook: dict[str, list[str]], users: list[str], seed: int) -> bytes:
    """The ``.qdpx`` zip of one text source with its coded selections.

    Parameters
    ----------
    project : str
        Project name (``Project/@name``).
    source_name : str
        Name of the text source; the compendium reads it as the ``session_id``.
    text : str
        Full plain text of the source.
    selections : list of Selection
        Coded stretches; ``code`` is a path ``Theme > Sub`` present in ``codebook``.
    codebook : dict
        Theme -> list of sub-codes; themes are written as codable parents of their sub-codes.
    users : list of str
        Coder names.
    seed : int
        Seed of the cohort; fixes every GUID.
    """
    source_guid = guid(seed, f"source:{source_name}")
    root = etree.Element(f"{{{NAMESPACE}}}Project", nsmap={None: NAMESPACE})
    root.set("name", project)
    root.set("origin", "analysis.synthetic")
    root.set("creatingUserGUID", guid(seed, f"user:{users[0]}"))
    xml_users = etree.SubElement(root, f"{{{NAMESPACE}}}Users")
    for user in users:
        etree.SubElement(xml_users, f"{{{NAMESPACE}}}User", guid=guid(seed, f"user:{user}"), name=user)
    _codebook(root, codebook, seed)
    _cases(root, selections, seed)
    sources = etree.SubElement(root, f"{{{NAMESPACE}}}Sources")
    source = etree.SubElement(sources, f"{{{NAMESPACE}}}TextSource", guid=source_guid,
                              name=source_name, plainTextPath=f"internal://{source_guid}.txt")
    for sel in selections:
        _selection(source, sel, text[sel.start:sel.end], seed)
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return _zip({"project.qde": xml, f"sources/{source_guid}.txt": text.encode("utf-8")})


def _codebook(root, codebook: dict[str, list[str]], seed: int) -> None:
    codes = etree.SubElement(etree.SubElement(root, f"{{{NAMESPACE}}}CodeBook"), f"{{{NAMESPACE}}}Codes")
    for theme, subs in codebook.items():
        parent = etree.SubElement(codes, f"{{{NAMESPACE}}}Code", guid=guid(seed, f"code:{theme}"),
                                  name=theme, isCodable="true")
        for sub in subs:
            path = f"{theme} > {sub}"
            etree.SubElement(parent, f"{{{NAMESPACE}}}Code", guid=guid(seed, f"code:{path}"),
                             name=sub, isCodable="true")


def _cases(root, selections: list[Selection], seed: int) -> None:
    """One Case per participant, in order of first appearance, referencing its selections."""
    cases = etree.SubElement(root, f"{{{NAMESPACE}}}Cases")
    by_participant: dict[str, list[Selection]] = {}
    for sel in selections:
        by_participant.setdefault(sel.participant, []).append(sel)
    for name, sels in by_participant.items():
        case = etree.SubElement(cases, f"{{{NAMESPACE}}}Case", guid=guid(seed, f"case:{name}"), name=name)
        for sel in sels:
            etree.SubElement(case, f"{{{NAMESPACE}}}SelectionRef",
                             targetGUID=guid(seed, f"selection:{sel.key}:{sel.coder}"))


def _selection(source, sel: Selection, selected: str, seed: int) -> None:
    user = guid(seed, f"user:{sel.coder}")
    node = etree.SubElement(source, f"{{{NAMESPACE}}}PlainTextSelection",
                            guid=guid(seed, f"selection:{sel.key}:{sel.coder}"), name=selected,
                            startPosition=str(sel.start), endPosition=str(sel.end), creatingUser=user)
    coding = etree.SubElement(node, f"{{{NAMESPACE}}}Coding",
                              guid=guid(seed, f"coding:{sel.key}:{sel.coder}"), creatingUser=user)
    etree.SubElement(coding, f"{{{NAMESPACE}}}CodeRef", targetGUID=guid(seed, f"code:{sel.code}"))


def _zip(entries: dict[str, bytes]) -> bytes:
    """Zip ``entries`` in the given order with fixed metadata (deflate, level 9)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()
