"""Loader for CompetentNL as RDF (Turtle, N-Triples, N3, RDF/XML, JSON-LD).

Reads one RDF file, or the RDF files directly in a folder (not its subfolders) merged into
one graph, in CompetentNL's vocabulary
(``cnlo:`` = ``https://linkeddata.competentnl.nl/def/competentnl#``):

- ``cnlo:HumanCapability`` (vaardigheden) become capability concepts; those with narrower
  capabilities (``skos:broader``, or ``skos:narrower`` from above) are groups, unless an
  occupation requires them. ``cnlo:KnowledgeArea`` (kennisgebieden) become knowledge
  concepts. Instances of subclasses count when the graph declares ``rdfs:subClassOf``.
- ``cnlo:Occupation`` become occupations; ``cnlo:requiresHATEssential`` /
  ``requiresHATImportant`` / ``requiresHATSomewhat`` their requirements (importance
  essential / important / somewhat). CompetentNL gives no required level, so every
  requirement asks for level 3 (bekwaam). An occupation that reaches one concept through two
  of these keeps the most important one, with a warning.
- Labels come from ``skos:prefLabel`` / ``skos:altLabel`` and from SKOS-XL
  (``skosxl:prefLabel`` / ``skosxl:altLabel`` pointing at a ``skosxl:Label`` with a
  ``skosxl:literalForm``), in Dutch and English; an untagged label counts as Dutch
  (CompetentNL's own language), other languages are ignored. A concept needs a preferred
  label in Dutch or English.
- ``skos:related`` between concepts becomes a related link of strength
  :data:`RELATED_STRENGTH`.
- Level: a dotted ``skos:notation`` (``1.2.3`` = level 3), else the depth in the hierarchy
  (top = 1). ``cnlo:hasRIASEC``, ``skos:definition`` and an ISCED-F code (a ``skos:*Match``
  to an ISCED IRI, or a property named ``isced…``) are kept as concept metadata.
- ISCO: a property of the occupation whose name holds ``isco`` (``cnlo:iscoCode``,
  ``…:hasISCO``; literal or IRI, the trailing 1–4 digits), else a ``skos:notation`` of 1–4
  digits. Lenient on purpose: CompetentNL's exact ISCO property is not pinned down here.

RDF has no useful line numbers, so every problem names the file and the record (the IRI).
rdflib is optional (``pip install "skillmatch[rdf]"``) and imported only when loading.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..models import IMPORTANCE_CODES, Concept, Occupation
from ..problems import Problem, Severity, TaxonomyError, closest
from .build import TaxonomyBuilder, Where
from .core import Taxonomy
from .tables import unreadable

if TYPE_CHECKING:
    from rdflib import Graph

#: file suffix -> rdflib parser
FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".n3": "n3",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
}
SUFFIXES = frozenset(FORMATS)

CNLO = "https://linkeddata.competentnl.nl/def/competentnl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

#: requirement property (local name in cnlo:) -> importance
REQUIRES: dict[str, str] = {
    "requiresHATEssential": "essential",
    "requiresHATImportant": "important",
    "requiresHATSomewhat": "somewhat",
}
#: CompetentNL states no level for a requirement; 3 = bekwaam on skillmatch's 1–5 scale
REQUIRED_LEVEL = 3.0
RELATED_STRENGTH = 0.5
LANGUAGES = ("nl", "en")
INSTALL_HINT = 'reading RDF needs rdflib: pip install "skillmatch[rdf]"'

_MAX_HINTS = 50
_ISCO_PROPERTY = re.compile(r"^isco|ISCO|Isco")
_DOTTED = re.compile(r"^\d+(?:\.\d+)*$")
_TRAILING_DIGITS = re.compile(r"(\d+)\D*$")
_LANGUAGE_NAMES = {"nl": "Dutch", "en": "English"}


def _entries(folder: Path) -> list[Path]:
    """The entries directly in ``folder`` with an RDF suffix, sorted; subfolders are not searched."""
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    except OSError:
        return []


def is_rdf(path: Path) -> bool:
    """True for a file with an RDF suffix (:data:`SUFFIXES`) or a folder holding one (not in a subfolder)."""
    path = Path(path)
    if path.is_file():
        return path.suffix.lower() in SUFFIXES
    if path.is_dir():
        return any(p.is_file() for p in _entries(path))
    return False


def source_files(path: Path) -> list[Path]:
    """The RDF files that make up ``path``: the file itself, or the RDF files directly in a folder, sorted."""
    path = Path(path)
    if path.is_dir():
        return [p for p in _entries(path) if p.is_file()]
    return [path]


def local_name(iri: Any) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    return re.split(r"[#/]", str(iri).rstrip("/#"))[-1]


# --- parsing --------------------------------------------------------------------------------


def _parse_problem(exc: Exception, file: Path, fmt: str) -> Problem:
    """A parse error as a problem naming the file, rdflib's message and the line if known."""
    from xml.sax import SAXParseException

    line: int | None = None
    message = str(exc).strip() or type(exc).__name__
    why = getattr(exc, "_why", None)  # notation3.BadSyntax (Turtle, N3)
    if why is not None:
        text, pos = getattr(exc, "_str", None), getattr(exc, "_i", None)
        if isinstance(text, (bytes, str)) and isinstance(pos, int):
            text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
            line = text.count("\n", 0, pos) + 1
            start = text.rfind("\n", 0, pos) + 1
            end = text.find("\n", pos)
            near = text[start:end if end >= 0 else len(text)].strip()
            message = f"{why} (near {near[:80]!r})"
        else:
            message = str(why)
    elif isinstance(exc, SAXParseException):  # RDF/XML
        line = exc.getLineNumber()
        message = exc.getMessage()
    elif isinstance(getattr(exc, "lineno", None), int):  # json.JSONDecodeError (JSON-LD)
        line = getattr(exc, "lineno", None)
        message = getattr(exc, "msg", message)
    elif message.startswith("Invalid line: "):
        # rdflib's N-Triples parser quotes the rest of the bad line but not its number;
        # name the line only when that rest occurs on exactly one line
        rest = message[len("Invalid line: "):].strip()
        try:
            lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        matches = [number for number, text in enumerate(lines, 1) if rest and rest in text]
        if len(matches) == 1:
            line = matches[0]
    return Problem(f"cannot parse as {fmt}: {message}", where=str(file), line=line)


def _parse(files: list[Path], root: Path) -> tuple[Graph, dict[Any, str], list[Problem]]:
    """Parse every file into one graph; also which file declared each typed subject first."""
    from rdflib import Graph, URIRef

    rdf_type = URIRef(RDF_TYPE)
    graph = Graph()
    origin: dict[Any, str] = {}
    problems = []
    for file in files:
        fmt = FORMATS.get(file.suffix.lower(), "turtle")
        part = Graph() if len(files) > 1 else graph
        try:
            part.parse(file, format=fmt)
        except Exception as exc:
            problems.append(_parse_problem(exc, file, fmt))
            continue
        name = str(file.relative_to(root)) if root.is_dir() else file.name
        for s in part.subjects(rdf_type, None, unique=True):
            origin.setdefault(s, name)
        if part is not graph:
            graph += part
    return graph, origin, problems


# --- reading the graph ----------------------------------------------------------------------


def _instances(graph: Graph, cls: Any) -> set:
    """Subjects typed ``cls`` or any subclass of it that the graph declares."""
    from rdflib import URIRef

    subclass = URIRef(RDFS_SUBCLASS)
    classes, frontier = {cls}, [cls]
    while frontier:
        for sub in graph.subjects(subclass, frontier.pop()):
            if sub not in classes:
                classes.add(sub)
                frontier.append(sub)
    rdf_type = URIRef(RDF_TYPE)
    return {s for c in classes for s in graph.subjects(rdf_type, c)}


class _Labels:
    """Labels of one subject, by kind (pref/alt) and language."""

    __slots__ = ("alt", "other", "pref")

    def __init__(self) -> None:
        self.pref: dict[str, list[str]] = defaultdict(list)
        self.alt: dict[str, list[str]] = defaultdict(list)
        self.other: set[str] = set()


def _labels(graph: Graph, wanted: set, problems: list[tuple[Severity, Any, str]]) -> dict[Any, _Labels]:
    """SKOS and SKOS-XL labels of the ``wanted`` subjects, one pass per property."""
    from rdflib import Literal, URIRef

    forms: dict[Any, list] = defaultdict(list)
    for node, _, form in graph.triples((None, URIRef(SKOSXL + "literalForm"), None)):
        forms[node].append(form)
    out: dict[Any, _Labels] = defaultdict(_Labels)

    def add(subject: Any, kind: str, value: Any, prop: str) -> None:
        if not isinstance(value, Literal):
            problems.append(("warning", subject, f"{prop} should be a literal, found {str(value)!r}; ignored"))
            return
        text = str(value).strip()
        if not text:
            return
        lang = (value.language or "nl").split("-")[0].lower()
        labels = out[subject]
        if lang in LANGUAGES:
            getattr(labels, kind)[lang].append(text)
        else:
            labels.other.add(lang)

    for kind in ("pref", "alt"):
        prop = f"{kind}Label"
        for s, _, value in graph.triples((None, URIRef(SKOS + prop), None)):
            if s in wanted:
                add(s, kind, value, f"skos:{prop}")
        for s, _, node in graph.triples((None, URIRef(SKOSXL + prop), None)):
            if s not in wanted:
                continue
            if node not in forms:
                problems.append(("warning", s, (f"skosxl:{prop} points to {str(node)!r}, which has no "
                                                "skosxl:literalForm; ignored")))
            for value in forms.get(node, ()):
                add(s, kind, value, "skosxl:literalForm")
    return out


def _pick_labels(labels: _Labels | None, subject: Any, problems: list[tuple[Severity, Any, str]]) -> dict[str, Any]:
    """Model fields ``pref_label_nl`` … ``alt_labels_en``; extra preferred labels become alternatives."""
    labels = labels or _Labels()
    fields: dict[str, Any] = {}
    for lang in LANGUAGES:
        prefs = sorted(set(labels.pref.get(lang, ())))
        pref = prefs[0] if prefs else ""
        if len(prefs) > 1:
            problems.append(("warning", subject, (f"{len(prefs)} {_LANGUAGE_NAMES[lang]} preferred labels "
                                                  f"{prefs}; kept {pref!r}, the others became alternative labels")))
        fields[f"pref_label_{lang}"] = pref
        fields[f"alt_labels_{lang}"] = tuple(sorted((set(labels.alt.get(lang, ())) | set(prefs)) - {pref}))
    return fields


def _text(graph: Graph, prop: Any, wanted: set) -> dict[Any, str]:
    """One literal per subject: Dutch (or untagged) first, then English."""
    best: dict[Any, tuple[int, str]] = {}
    for s, _, value in graph.triples((None, prop, None)):
        if s not in wanted:
            continue
        lang = (getattr(value, "language", None) or "nl").split("-")[0].lower()
        if lang not in LANGUAGES:
            continue
        rank = (LANGUAGES.index(lang), str(value).strip())
        if s not in best or rank < best[s]:
            best[s] = rank
    return {s: text for s, (_, text) in best.items()}


def _depths(parents: Mapping[Any, list]) -> dict[Any, int]:
    """1 + the longest chain of broader links above each concept (a top concept is 1).

    Cycles stop the count; the builder reports them.
    """
    depth: dict[Any, int] = {}
    for start in parents:
        if start in depth:
            continue
        above = {start: 0}
        stack = [(start, iter(parents.get(start, ())))]
        while stack:
            node, successors = stack[-1]
            nxt = next(successors, None)
            if nxt is None:
                stack.pop()
                depth[node] = above.pop(node) + 1
                if stack:
                    parent = stack[-1][0]
                    above[parent] = max(above[parent], depth[node])
            elif nxt in depth:
                above[node] = max(above[node], depth[nxt])
            elif nxt not in above:
                above[nxt] = 0
                stack.append((nxt, iter(parents.get(nxt, ()))))
    return depth


def _isco(graph: Graph, occupations: Iterable) -> dict[Any, str]:
    """ISCO code per occupation from any ``…isco…`` property, else a short ``skos:notation``."""
    from rdflib import URIRef

    notation = URIRef(SKOS + "notation")
    is_isco: dict[Any, bool] = {}  # per predicate, so each name is matched once
    out: dict[Any, str] = {}
    for occ in occupations:
        found, fallback = [], []
        for p, o in graph.predicate_objects(occ):
            if p not in is_isco:
                is_isco[p] = bool(_ISCO_PROPERTY.search(local_name(p)))
            if is_isco[p]:
                m = _TRAILING_DIGITS.search(str(o))
                if m and len(m.group(1)) <= 4:
                    found.append(m.group(1))
            elif p == notation and re.fullmatch(r"\d{1,4}", str(o).strip()):
                fallback.append(str(o).strip())
        codes = found or fallback
        if codes:
            out[occ] = max(codes, key=lambda c: (len(c), c))  # the most specific group
    return out


def _riasec(graph: Graph, concepts: set) -> dict[Any, str]:
    from rdflib import URIRef

    letters: dict[Any, set[str]] = defaultdict(set)
    for s, _, value in graph.triples((None, URIRef(CNLO + "hasRIASEC"), None)):
        if s in concepts:
            letters[s].update(ch for ch in local_name(value).upper() if ch in "RIASEC")
    return {s: "".join(ch for ch in "RIASEC" if ch in found) for s, found in letters.items() if found}


def _isced(graph: Graph, concepts: set) -> dict[Any, str]:
    """ISCED-F code: the trailing digits of a ``skos:*Match`` to an ISCED IRI or an ``isced…`` property."""
    out: dict[Any, str] = {}
    for s in concepts:
        for p, o in graph.predicate_objects(s):
            name = local_name(p)
            if "isced" in name.lower() or (str(p).startswith(SKOS) and name.endswith("Match")
                                           and "isced" in str(o).lower()):
                m = _TRAILING_DIGITS.search(str(o))
                if m and 2 <= len(m.group(1)) <= 4 and (s not in out or len(m.group(1)) > len(out[s])):
                    out[s] = m.group(1)
    return out


def _requirements(graph: Graph, occupations: set, concepts: set, note: Callable[..., None]) -> dict:
    """(occupation, concept) -> (importance, property); of two properties the most important wins."""
    from rdflib import Literal, URIRef

    requirements: dict[tuple[Any, Any], tuple[str, str]] = {}
    undeclared: set[tuple[Any, str]] = set()
    concept_ids = sorted(str(c) for c in concepts)
    hints = 0
    for name, importance in REQUIRES.items():
        prop = f"cnlo:{name}"
        for occ, _, target in graph.triples((None, URIRef(CNLO + name), None)):
            if occ not in occupations:
                if (occ, prop) not in undeclared:  # once per subject, not once per triple
                    undeclared.add((occ, prop))
                    note("error", occ, f"uses {prop} but is not declared a cnlo:Occupation (add `a cnlo:Occupation`)",
                         field=prop)
                continue
            if isinstance(target, Literal):
                note("error", occ, f"{prop} points to the literal {str(target)!r}; expected the IRI of a "
                                   "cnlo:HumanCapability or cnlo:KnowledgeArea", field=prop, value=str(target))
                continue
            if target not in concepts:
                hint = ""
                if hints < _MAX_HINTS and concept_ids:
                    hints += 1
                    hint = f" (closest: {closest(str(target), concept_ids)[0]!r})"
                note("error", occ, f"{prop} points to {str(target)!r}, which is not declared as a "
                                   f"cnlo:HumanCapability or cnlo:KnowledgeArea{hint}", field=prop, value=str(target))
                continue
            previous = requirements.get((occ, target))
            if previous is None:
                requirements[(occ, target)] = (importance, prop)
                continue
            kept = max(previous, (importance, prop), key=lambda r: IMPORTANCE_CODES[r[0]])
            requirements[(occ, target)] = kept
            note("warning", occ, f"requires {str(target)!r} through both {previous[1]} and {prop}; kept {kept[1]}",
                 field=prop, value=str(target))
    return requirements


def _broader(graph: Graph, concepts: set, note: Callable[..., None]) -> dict[Any, set]:
    """concept -> its broader concepts, from ``skos:broader`` and ``skos:narrower`` read the other way.

    A link to something that is not a declared concept (an ISCED-F or ESCO IRI, say) is
    dropped with a warning rather than failing the whole graph.
    """
    from rdflib import URIRef

    broader: dict[Any, set] = defaultdict(set)
    for s, _, o in graph.triples((None, URIRef(SKOS + "broader"), None)):
        if s in concepts:
            broader[s].add(o)
    for s, _, o in graph.triples((None, URIRef(SKOS + "narrower"), None)):
        if o in concepts and s in concepts:
            broader[o].add(s)
    for s in sorted(broader, key=str):
        for o in sorted(broader[s] - concepts, key=str):
            note("warning", s, f"skos:broader points to {str(o)!r}, which is not declared as a capability or "
                               "knowledge area; link ignored", field="skos:broader", value=str(o))
        broader[s] &= concepts
    return broader


# --- the loader -------------------------------------------------------------------------------


def load_rdf(path: str | Path, *, strict: bool = False) -> Taxonomy:
    """Load CompetentNL from an RDF file or a folder of RDF files.

    Parameters
    ----------
    path : str or Path
        A ``.ttl``, ``.nt``, ``.n3``, ``.rdf``/``.owl``/``.xml`` (RDF/XML) or ``.jsonld``
        file, or a folder of them (merged into one graph).
    strict : bool
        Treat warnings (an ignored link, a second preferred label, …) as errors.

    Returns
    -------
    Taxonomy
        Concepts sorted by IRI, then occupations sorted by IRI.

    Raises
    ------
    TaxonomyError
        When rdflib is not installed, a file does not parse (file, line when rdflib gives
        it, and rdflib's message), or the graph has problems — every one of them, each
        naming the file and the IRI of the record.
    """
    path = Path(path)
    try:
        from rdflib import URIRef
    except ImportError:
        raise TaxonomyError([Problem(INSTALL_HINT, where=str(path))]) from None
    if not path.exists():
        raise TaxonomyError([Problem("no such file or folder", where=str(path))])
    files = source_files(path)
    if not files:
        raise TaxonomyError([Problem(f"no RDF files ({', '.join(sorted(SUFFIXES))}) in this folder",
                                     where=str(path))])
    graph, origin, parse_problems = _parse(files, path)
    if parse_problems:
        raise TaxonomyError(parse_problems, summary=f"{len(parse_problems)} RDF file(s) in {path} do not parse")

    default_file = files[0].name if len(files) == 1 else str(path)
    b = TaxonomyBuilder(name="CompetentNL", source=str(path))
    if path.is_dir():
        for entry in _entries(path):
            why = unreadable(entry)
            if why:
                b.problems.append(Problem(f"{why}; skipped", where=str(entry), severity="warning"))
    pending: list[tuple[Severity, Any, str]] = []  # (severity, subject, message) found while reading

    def where(subject: Any) -> Where:
        return Where(origin.get(subject, default_file), record=str(subject))

    def note(severity: Severity, subject: Any, message: str, **fields: Any) -> None:
        b.problem(message, where(subject), severity=severity, **fields)

    capabilities = _instances(graph, URIRef(CNLO + "HumanCapability"))
    knowledge = _instances(graph, URIRef(CNLO + "KnowledgeArea")) - capabilities
    occupations = _instances(graph, URIRef(CNLO + "Occupation"))
    for s in sorted(s for s in capabilities | knowledge | occupations if not isinstance(s, URIRef)):
        note("error", s, "is a blank node; concepts and occupations need an IRI to be referred to")
    capabilities = {s for s in capabilities if isinstance(s, URIRef)}
    knowledge = {s for s in knowledge if isinstance(s, URIRef)}
    occupations = {s for s in occupations if isinstance(s, URIRef)}
    concepts = capabilities | knowledge
    if not concepts and not occupations:
        raise TaxonomyError([Problem(
            f"no cnlo:Occupation, cnlo:HumanCapability or cnlo:KnowledgeArea found; expected CompetentNL's "
            f"vocabulary ({CNLO})", where=str(path))])

    requirements = _requirements(graph, occupations, concepts, note)
    required = {concept for _, concept in requirements}
    broader = _broader(graph, concepts, note)
    has_narrower_capability = {o for s, targets in broader.items() if s in capabilities for o in targets}
    depth = _depths({s: sorted(broader.get(s, ())) for s in concepts})

    labels = _labels(graph, concepts | occupations, pending)
    notation = _text(graph, URIRef(SKOS + "notation"), concepts)
    definition = _text(graph, URIRef(SKOS + "definition"), concepts | occupations)
    riasec = _riasec(graph, capabilities)
    isced = _isced(graph, knowledge)

    concept_fields = {c: _pick_labels(labels.get(c), c, pending) for c in concepts}
    unlabelled = {c for c, f in concept_fields.items() if not (f["pref_label_nl"] or f["pref_label_en"])}
    for c in sorted(concepts, key=str):
        fields = concept_fields[c]
        if c in unlabelled:
            others = sorted(labels[c].other) if c in labels else []
            found = f"; found labels only in: {', '.join(others)}" if others else ""
            note("error", c, "has no preferred label in Dutch or English (skos:prefLabel or skosxl:prefLabel "
                             f"with @nl or @en){found}", field="skos:prefLabel")
            continue
        if c in knowledge:
            kind = "knowledge"
        elif c in has_narrower_capability and c not in required:
            kind = "group"
        else:
            kind = "capability"
        code = notation.get(c, "")
        level = code.count(".") + 1 if _DOTTED.match(code) else depth.get(c)
        rec = b.record(Concept, {
            "id": str(c), "kind": kind, **fields,
            "broader": tuple(sorted(str(o) for o in broader.get(c, set()) - unlabelled)),
            "level": min(level, 9) if level else None,
            "riasec": riasec.get(c), "isced_f": isced.get(c), "definition": definition.get(c, ""),
            "origin": "competentnl",
        }, where(c))
        if rec:
            b.add_concept(rec, where(c))

    related = graph.triples((None, URIRef(SKOS + "related"), None))
    for s, _, o in sorted(related, key=lambda t: (str(t[0]), str(t[2]))):
        if s not in concepts or s in unlabelled or o in unlabelled:
            continue
        if o not in concepts:
            note("warning", s, f"skos:related points to {str(o)!r}, which is not declared as a capability or "
                               "knowledge area; link ignored", field="skos:related", value=str(o))
            continue
        b.add_related(str(s), str(o), RELATED_STRENGTH, where(s))

    isco = _isco(graph, occupations)
    for occ in sorted(occupations, key=str):
        fields = _pick_labels(labels.get(occ), occ, pending)
        if not (fields["pref_label_nl"] or fields["pref_label_en"]):
            note("warning", occ, "has no preferred label in Dutch or English; it will show as its IRI",
                 field="skos:prefLabel")
        rec = b.record(Occupation, {"id": str(occ), **fields, "isco": isco.get(occ),
                                    "description": definition.get(occ, "")}, where(occ))
        if rec:
            b.add_occupation(rec, where(occ))
    for occ, concept in sorted(requirements, key=lambda pair: (str(pair[0]), str(pair[1]))):
        importance, _ = requirements[(occ, concept)]
        if concept not in unlabelled:  # already reported as unlabelled; not again as unknown
            b.add_requirement(str(occ), str(concept), importance, REQUIRED_LEVEL, where(occ))

    for severity, subject, message in pending:
        note(severity, subject, message)
    if concepts and not occupations:
        b.problems.append(Problem("no cnlo:Occupation found; the taxonomy has concepts only", where=str(path),
                                  severity="warning"))
    return b.build(strict=strict)
