"""Development paths (``skillmatch.recommend.routes``).

The graph search is checked against brute force twice: :func:`k_cheapest_paths` against
every simple path of small seeded random graphs, and :func:`find_routes` (whose edges are
planned lazily, on lower bounds) against a graph whose every edge is planned up front by
the rules of the routes module's docstring, written out again here, on small seeded
random taxonomies. Constraints are checked from the module records, not the planner's
arrays.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pytest
import scipy.sparse as sp

from skillmatch import Matcher
from skillmatch.models import (
    CEFR_CODES,
    Concept,
    DevelopmentPath,
    Jobseeker,
    Occupation,
    PathStep,
    Requirement,
    Sector,
    SkillClaim,
    TrainingModule,
)
from skillmatch.problems import InputError
from skillmatch.recommend import Catalogue, PlanConstraints, RouteGraph, find_routes, gap_from_arrays, plan_training
from skillmatch.recommend.routes import (
    STEP_EPSILON,
    VIABLE_SIMILARITY_COMPETENTNL,
    VIABLE_SIMILARITY_ESCO,
    default_threshold,
    k_cheapest_paths,
)
from skillmatch.taxonomy import TaxonomyBuilder, Where

DAY0 = date(2025, 1, 13)
OCC = "https://linkeddata.competentnl.nl/uwv/id/occupation/"
HORECA = OCC + "0C5F64081C"  # Medewerker bediening
PM_KINDEROPVANG = OCC + "D52005FEEC"
ADMIN = OCC + "988C22D183"
HELPENDE = OCC + "70399D63B1"


# --- k cheapest simple paths ----------------------------------------------------------------------


def simple_paths(n, edges, source, target):
    """Every simple path source -> target with its cost, by depth-first search."""
    out, adj = [], {}
    for (u, v), w in edges.items():
        adj.setdefault(u, []).append((v, w))

    def walk(node, path, cost):
        if node == target:
            out.append((cost, tuple(path)))
            return
        for v, w in adj.get(node, []):
            if v not in path:
                walk(v, path + [v], cost + w)

    walk(source, [source], 0.0)
    return out


def random_graph(rng, n, density):
    edges = {}
    for u, v in itertools.permutations(range(n), 2):
        if rng.random() < density:
            edges[(u, v)] = float(rng.integers(0, 10))  # zeros included: free edges are edges
    return edges


@pytest.mark.parametrize("seed", range(40))
def test_k_cheapest_paths_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 8))
    edges = random_graph(rng, n, float(rng.uniform(0.25, 0.6)))
    rows, cols = zip(*edges) if edges else ((), ())
    weights = sp.csr_matrix((list(edges.values()), (rows, cols)), shape=(n, n))
    expected = simple_paths(n, edges, 0, n - 1)
    found = list(k_cheapest_paths(weights, 0, n - 1))
    # every simple path, each once, cheapest first, costs right
    assert sorted(p for _, p in found) == sorted(p for _, p in expected)
    costs = [c for c, _ in found]
    assert costs == sorted(costs)
    for cost, path in found:
        assert path[0] == 0 and path[-1] == n - 1 and len(set(path)) == len(path)
        assert cost == pytest.approx(sum(edges[(path[i], path[i + 1])] for i in range(len(path) - 1)))
    assert costs == pytest.approx(sorted(c for c, _ in expected))


def test_k_cheapest_paths_none_and_ties():
    g = sp.csr_matrix((3, 3))
    assert list(k_cheapest_paths(g, 0, 2)) == []
    # two equally cheap paths: both come, fewer steps do not matter to the raw search
    g = sp.csr_matrix(([1.0, 1.0, 2.0], ([0, 1, 0], [1, 2, 2])), shape=(3, 3))
    found = list(k_cheapest_paths(g, 0, 2))
    assert [c for c, _ in found] == [2.0, 2.0] and {p for _, p in found} == {(0, 1, 2), (0, 2)}


@pytest.mark.parametrize("weights, source, target, message", [
    (sp.csr_matrix((2, 3)), 0, 1, r"weights must be square"),
    (sp.csr_matrix(([-1.0], ([0], [1])), shape=(2, 2)), 0, 1, r"finite and ≥ 0"),
    (sp.csr_matrix((2, 2)), 0, 0, r"two different nodes from 0 to 1, got 0 and 0"),
    (sp.csr_matrix((2, 2)), 0, 5, r"two different nodes"),
])
def test_k_cheapest_paths_rejects(weights, source, target, message):
    with pytest.raises(InputError, match=message):
        list(k_cheapest_paths(weights, source, target))


# --- small random taxonomies and the brute force over them -------------------------------------------


def mini_taxonomy(seed, *, n_concepts=8, n_occupations=6, n_modules=10, paths=True, essential_untaught=False):
    """A seeded taxonomy: occupations in two sectors, modules that teach most concepts, a few path steps."""
    rng = np.random.default_rng(seed)
    b = TaxonomyBuilder(f"mini{seed}", "test")
    w = Where("api")
    for j in range(n_concepts):
        b.add_concept(Concept(id=f"c{j}", pref_label_nl=f"Vaardigheid {j}"), w)
    b.add_sector(Sector(id="onder-druk", label_nl="Onder druk"), w)
    b.add_sector(Sector(id="cruciaal", label_nl="Cruciaal", crucial=True), w)
    for o in range(n_occupations):
        k = int(rng.integers(2, 5))
        reqs = [Requirement(skill=f"c{int(j)}", importance=str(rng.choice(["essential", "important", "somewhat"])),
                            level=int(rng.integers(1, 5))) for j in rng.choice(n_concepts, size=k, replace=False)]
        b.add_occupation(Occupation(id=f"o{o}", pref_label_nl=f"Beroep {o}", isco=f"{1000 + o % 3}",
                                    sector="onder-druk" if o < n_occupations // 2 else "cruciaal",
                                    requirements=tuple(reqs)), w)
    taught = range(n_concepts - 1) if essential_untaught else range(n_concepts)
    for m in range(n_modules):
        skills = rng.choice(list(taught), size=int(rng.integers(1, 3)), replace=False)
        b.add_module(TrainingModule(
            id=f"m{m}", title=f"Module {m}", type="course", nlqf=int(rng.integers(1, 4)),
            hours=float(rng.integers(1, 20) * 8), cost_eur=float(rng.integers(1, 30) * 50),
            starts_per_year=52, regions=("r1",) if m % 4 == 0 else (),
            skills=tuple({"skill": f"c{int(j)}", "level": 5} for j in skills)), w)
    if paths:
        steps = []
        for s in range(2):
            a, c = (int(x) for x in rng.choice(n_occupations, size=2, replace=False))
            steps.append(PathStep(step=s + 1, from_occupation=f"o{a}", to_occupation=f"o{c}",
                                  modules=tuple(f"m{int(x)}" for x in rng.choice(n_modules, size=2, replace=False)),
                                  months=3))
        b.add_path(DevelopmentPath(id="p1", sector="cruciaal", kind="across", name="Pad een", steps=tuple(steps)), w)
        b.add_path(DevelopmentPath(id="p2", sector="cruciaal", kind="into", name="Instroom", steps=(
            PathStep(step=1, to_occupation=f"o{n_occupations - 1}", modules=("m0",), months=1),)), w)
    from skillmatch.models import Region

    b.add_region(Region(id="r1", name="Regio een", location={"lat": 52.0, "lon": 5.0}), w)
    b.add_region(Region(id="r2", name="Regio twee", location={"lat": 52.5, "lon": 5.5}), w)
    return b.build()


def brute_force_routes(tx, start, target, threshold, minimise, constraints, *, max_neighbours=50):
    """Route costs by the documented rules, every edge planned up front, every simple path enumerated."""
    n = tx.n_occupations
    catalogue = Catalogue.from_taxonomy(tx)
    result = Matcher(tx, "cosine").fit("occupations").match("occupations", k=n - 1,
                                                            exclude={o: [o] for o in tx.occupations.ids})
    sim = np.zeros((n, n))
    for a in range(n):
        for d, s in zip(result.indices[a], result.scores[a]):
            if d >= 0:
                sim[a, d] = s
    s0 = tx.occupations.index[start]
    R, L = tx.requirements, tx.requirement_levels

    def row(o):
        lo, hi = R.indptr[o], R.indptr[o + 1]
        return R.indices[lo:hi], R.data[lo:hi], L.data[lo:hi]

    cost_of = {}
    step_pairs = {}
    for path in tx.paths:
        for st in path.steps:
            a = s0 if not st.from_occupation else tx.occupations.index[st.from_occupation]
            d = tx.occupations.index[st.to_occupation]
            mods = [tx.modules[tx.module_index[m]] for m in st.modules]
            ok = all(constraints.region is None or not m.regions or constraints.region in m.regions for m in mods)
            value = sum(m.hours if minimise == "hours" else m.cost_eur for m in mods)
            step_pairs.setdefault((a, d), []).append(value if ok else None)

    def planned(a, d):
        ia, _, la = row(a)
        ib, cb, lb = row(d)
        gap = gap_from_arrays(ia, la, ib, cb, lb)
        if len(gap) == 0:
            return 0.0
        best = np.array([max([s.level for s in m.skills if s.skill == tx.concepts.ids[j]], default=0)
                         for j in gap.concepts for m in tx.modules]).reshape(len(gap), -1).max(axis=1)
        closeable = best >= gap.required
        if (~closeable & gap.essential).any():
            return None
        if not closeable.any():
            return 0.0
        c = constraints if a == s0 else PlanConstraints(**{**constraints.__dict__, "start_within_weeks": None})
        try:
            res = plan_training(catalogue, gap, c, held=(ia, la), minimise=minimise, k=1, today=DAY0)
        except InputError:
            return None
        if not res.full:
            return None
        return res.plans[0].hours if minimise == "hours" else res.plans[0].cost_eur

    for a in range(n):
        nearest = [d for d in np.argsort(-sim[a], kind="stable") if d != a][:max_neighbours]
        for d in range(n):
            if d in (a, s0):
                continue
            if (a, d) in step_pairs:
                usable = [v for v in step_pairs[(a, d)] if v is not None]
                cost_of[(a, d)] = min(usable) if usable else planned(a, d)
            elif d in nearest and sim[a, d] >= threshold and sim[a, d] > 0:
                cost_of[(a, d)] = planned(a, d)
    edges = {k: v for k, v in cost_of.items() if v is not None}
    t = tx.occupations.index[target]
    return sorted((c, len(p) - 1) for c, p in simple_paths(n, edges, s0, t))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("minimise", ["hours", "eur"])
def test_lazily_planned_routes_equal_brute_force(seed, minimise):
    tx = mini_taxonomy(seed)
    graph = RouteGraph.build(tx, max_neighbours=50)
    constraints = PlanConstraints(region="r2" if seed % 3 == 0 else None, available_from=DAY0)
    for start, target in [("o0", "o5"), ("o1", "o4"), ("o2", "o3")]:
        expected = brute_force_routes(tx, start, target, 0.2, minimise, constraints)
        if not expected:
            with pytest.raises(InputError, match="no route reaches"):
                find_routes(graph, start, occupation=target, k=4, threshold=0.2, minimise=minimise,
                            constraints=constraints)
            continue
        found = find_routes(graph, start, occupation=target, k=4, threshold=0.2, minimise=minimise,
                            constraints=constraints)
        assert [r.cost for r in found] == pytest.approx([c for c, _ in expected[:4]], abs=1e-6)
        short = [c for c, steps in expected if steps <= 2][:4]
        if short:
            within = find_routes(graph, start, occupation=target, k=4, threshold=0.2, minimise=minimise,
                                 constraints=constraints, max_steps=2)
            assert [r.cost for r in within] == pytest.approx(short, abs=1e-6)
            assert all(len(r) <= 2 for r in within)
        else:
            with pytest.raises(InputError, match=r"field 'max_steps': no route to 'Beroep \d' takes at most 2"):
                find_routes(graph, start, occupation=target, k=4, threshold=0.2, minimise=minimise,
                            constraints=constraints, max_steps=2)
        for route in found:
            assert route.cost == pytest.approx(sum(s.hours if minimise == "hours" else s.cost_eur
                                                   for s in route.steps))
            assert route.occupations[-1] == target
            assert len(set(route.occupations)) == len(route.occupations) and start not in route.occupations


def test_a_graph_is_reused_and_the_taxonomy_is_not_changed(shipped):
    before = shipped.requirement_levels.copy()
    graph = RouteGraph.build(shipped)
    a = find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, today=DAY0)
    b = find_routes(shipped, HORECA, occupation=PM_KINDEROPVANG, today=DAY0)
    assert [r.describe() for r in a] == [r.describe() for r in b]
    after = shipped.requirement_levels
    assert (before != after).nnz == 0 and np.array_equal(before.indices, after.indices)
    assert "RouteGraph" in repr(graph)


def test_equal_costs_prefer_fewer_steps():
    # the routes add STEP_EPSILON to every edge: of two routes that cost 1, the one-step route comes first
    w = {(0, 1): 1.0, (1, 2): 0.0, (0, 2): 1.0}
    g = sp.csr_matrix(([v + STEP_EPSILON for v in w.values()], tuple(zip(*w))), shape=(3, 3))
    assert [p for _, p in k_cheapest_paths(g, 0, 2)] == [(0, 2), (0, 1, 2)]


# --- the shipped taxonomy --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph(shipped):
    return RouteGraph.build(shipped)


def test_horeca_to_kinderopvang_takes_the_shipped_across_path(graph):
    # through the development paths alone (no similarity edge reaches 1.0): the published
    # zij-instroom path, its modules and its price
    result = find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, minimise="eur", k=3, today=DAY0, threshold=1.0)
    best = result.best
    assert len(best) == 1 and best.steps[0].kind == "path"
    assert best.steps[0].path == "urn:skillmatch:path:horeca-naar-kinderopvang"
    assert best.steps[0].modules == ("urn:skillmatch:module:mbo-certificaat-pm-kinderopvang",
                                     "urn:skillmatch:module:course-eerste-hulp-kinderen",
                                     "urn:skillmatch:module:course-taalniveau-3f")
    assert best.cost_eur == 3200 + 125 + 750 and best.cost == best.cost_eur
    assert [r.cost for r in result] == sorted(r.cost for r in result)
    text = best.describe()
    assert text[0].startswith("Route 1: 1 stap, 672 uur, € 4.075")
    assert "ontwikkelpad 'Zijinstroom vanuit de horeca naar de kinderopvang'" in text[1]
    assert "Medewerker bediening → Pedagogisch medewerker kinderopvang" in text[1]
    # with similarity steps too, modular routes through kinderopvang functions may be cheaper, never dearer
    mixed = find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, minimise="eur", k=3, today=DAY0)
    assert mixed.best.cost <= best.cost


def test_a_path_step_takes_the_regional_variant_of_its_module(graph, shipped):
    """The path names one provider's module; a person in another region takes the same module
    (same title, same skills) where they live, not a re-planned step."""
    cat = graph.catalogue
    published = "urn:skillmatch:module:mbo-certificaat-pm-kinderopvang"
    m = cat.index[published]
    in_rijnmond = cat.region_mask("rijnmond")
    assert not in_rijnmond[m]  # the published module is given elsewhere
    person = Jobseeker(id="j-rijnmond", region="rijnmond", occupation=OCC + "0C5F64081C")  # medewerker bediening
    result = find_routes(graph, person, occupation=PM_KINDEROPVANG, k=1, threshold=1.0, today=DAY0)
    step = result.best.steps[-1]
    assert step.kind == "path" and step.path == "urn:skillmatch:path:horeca-naar-kinderopvang"
    variants = [cat.ids[i] for i in range(len(cat)) if cat.titles[i] == cat.titles[m] and cat.ids[i] in step.modules]
    assert len(variants) == 1 and variants[0] != published
    v = cat.index[variants[0]]
    assert in_rijnmond[v] and (cat.skills[v] != cat.skills[m]).nnz == 0


def test_a_care_profile_without_occupation_reaches_a_care_occupation(graph, shipped):
    from skillmatch import LabelIndex

    labels = LabelIndex(shipped)
    skills = [SkillClaim(skill=labels.resolve(text).best.id, proficiency=3)
              for text in ("verzorgen", "samenwerken", "hygiënisch werken", "communiceren")]
    person = Jobseeker(id="j-zorg", skills=skills, region="rijnmond")
    result = find_routes(graph, person, sector="zorg-welzijn", k=3, today=DAY0)
    assert len(result) == 3 and result.target_kind == "sector"
    for route in result:
        assert shipped.occupation_sector[shipped.occupations.index[route.occupations[-1]]] == "zorg-welzijn"
        assert route.steps[0].from_occupation is None and route.steps[0].from_label == "huidig profiel"
    first = result.best.steps[0]
    assert first.kind in ("path", "similarity", "replanned")
    if first.kind == "similarity":
        assert first.similarity >= VIABLE_SIMILARITY_COMPETENTNL and "cosinus" in first.describe()


def test_someone_without_skills_or_occupation_starts_with_an_instroom_path(graph):
    result = find_routes(graph, Jobseeker(id="nobody"), sector="zorg-welzijn", k=3, today=DAY0)
    first = result.best.steps[0]
    assert first.kind == "path" and first.path == "urn:skillmatch:path:instroom-helpende-zorg"
    assert first.from_occupation is None and first.to_occupation == HELPENDE and result.best.hours == 136
    assert all(r.steps[0].kind == "path" for r in result)  # nothing is similar to an empty profile


def test_every_step_is_explained_in_dutch_and_english(graph):
    for lang, words in (("nl", ("uur", "maanden")), ("en", ("hours", "months"))):
        result = find_routes(graph, ADMIN, sector="zorg-welzijn", k=3, today=DAY0, lang=lang)
        for route in result:
            lines = route.describe()
            assert len(lines) == len(route) + 1 and all(w in lines[0] for w in words)
            for step, line in zip(route.steps, lines[1:]):
                assert step.from_label in line and step.to_label in line
                assert all(t in line for t in step.titles)
                if step.kind == "path":
                    assert step.path_name in line
                elif step.kind == "similarity":
                    assert ("cosinus" if lang == "nl" else "cosine") in line
                    assert f"{step.similarity:.2f}".replace(".", "," if lang == "nl" else ".") in line


def module_ok(m: TrainingModule, c: PlanConstraints) -> bool:
    return ((not c.delivery or bool(set(m.delivery) & set(c.delivery)))
            and (c.region is None or not m.regions or c.region in m.regions)
            and (c.max_nlqf is None or m.nlqf <= c.max_nlqf)
            and (not c.funding or bool(set(m.funding) & set(c.funding))))


@pytest.mark.parametrize("limits", [
    dict(region="groot-amsterdam"),
    dict(region="twente", delivery=("evening", "online")),
    dict(funding=("uwv-scholing", "gemeente"), max_nlqf=3),
    dict(budget_eur=4000.0),
    dict(max_hours=400.0, start_within_weeks=6.0),
    dict(language_level="A2", region="rijnmond"),
])
def test_constraints_are_respected(graph, shipped, limits):
    extra = {k: v for k, v in limits.items() if k in ("max_hours", "start_within_weeks", "max_nlqf")}
    person = Jobseeker(id="j1", occupation=ADMIN, available_from=DAY0,
                       **{k: v for k, v in limits.items() if k not in extra})
    try:
        result = find_routes(graph, person, sector="zorg-welzijn", k=3, minimise="eur", constraints=extra)
    except InputError as exc:  # allowed, but it must name a constraint
        assert "constraints" in str(exc) or "no route" in str(exc)
        return
    cons = PlanConstraints.for_person(person, **extra)
    for route in result:
        assert cons.budget_eur is None or route.cost_eur <= cons.budget_eur + 1e-9
        assert cons.max_hours is None or route.hours <= cons.max_hours + 1e-9
        for k, step in enumerate(route.steps):
            mods = [shipped.modules[shipped.module_index[m]] for m in step.modules]
            assert all(module_ok(m, cons) for m in mods), (step.kind, step.modules)
            if step.kind == "path" and cons.language_level:
                assert all(CEFR_CODES.get(m.language_level or "", 0) <= CEFR_CODES[cons.language_level] for m in mods)
            if k == 0 and cons.start_within_weeks is not None and step.start is not None:
                assert step.start <= DAY0 + timedelta(weeks=cons.start_within_weeks)


def test_a_path_step_the_person_cannot_take_is_replanned(graph, shipped):
    # the across path's step costs € 4,075, more than the € 3,000 budget: re-planned with own training
    person = Jobseeker(id="j1", occupation=HORECA, region="rijnmond", available_from=DAY0)
    result = find_routes(graph, person, occupation=PM_KINDEROPVANG, k=5, minimise="eur",
                         constraints={"budget_eur": 3000})
    for route in result:
        for step in route.steps:
            mods = [shipped.modules[shipped.module_index[m]] for m in step.modules]
            assert all(not m.regions or "rijnmond" in m.regions for m in mods)
    replanned = [s for r in result for s in r.steps if s.kind == "replanned"]
    assert result.best.steps[0].kind == "replanned"
    assert result.best.steps[0].path == "urn:skillmatch:path:horeca-naar-kinderopvang"
    for s in replanned:
        assert s.why_replanned and "meer dan het budget" in s.why_replanned
        assert "met eigen scholing" in s.describe() and s.cost_eur <= 3000


def test_max_steps_keeps_routes_short(graph):
    free = find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, k=5, today=DAY0)
    short = find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, k=5, today=DAY0, max_steps=2)
    assert max(len(r) for r in free) > 2 and all(len(r) <= 2 for r in short)
    assert [r.cost for r in short] == sorted(r.cost for r in short)
    one = find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, k=5, today=DAY0, max_steps=1)
    assert len(one) == 1 and one.best.steps[0].path == "urn:skillmatch:path:horeca-naar-kinderopvang"
    with pytest.raises(InputError, match=r"field 'max_steps': no route to 'Pedagogisch medewerker kinderopvang' takes "
                                         r"at most 1 step\(s\) \(the fewest steps found: 2\)"):
        find_routes(graph, OCC + "B8E9ED3C7F", occupation=PM_KINDEROPVANG, today=DAY0, max_steps=1)


def test_routes_from_a_jobseeker_start_at_their_occupation(graph):
    person = Jobseeker(id="j7", occupation=HORECA, skills=(), available_from=DAY0)
    result = find_routes(graph, person, occupation=PM_KINDEROPVANG, minimise="eur")
    assert result.start == "j7" and result.start_label == "Medewerker bediening"
    assert result.best.steps[0].from_occupation == HORECA


def test_the_same_call_gives_the_same_routes(graph):
    a = find_routes(graph, ADMIN, sector="ict", k=3, today=DAY0)
    b = find_routes(graph, ADMIN, sector="ict", k=3, today=DAY0)
    assert [r.describe() for r in a] == [r.describe() for r in b]


# --- thresholds ---------------------------------------------------------------------------------------


def test_default_threshold_by_scale(shipped):
    assert default_threshold(shipped) == VIABLE_SIMILARITY_COMPETENTNL == 0.29
    assert default_threshold(mini_taxonomy(0)) == VIABLE_SIMILARITY_COMPETENTNL


def test_default_threshold_on_esco(esco):
    assert default_threshold(esco) == VIABLE_SIMILARITY_ESCO == 0.11


def test_a_higher_threshold_never_adds_similarity_steps(graph):
    loose = find_routes(graph, ADMIN, sector="zorg-welzijn", k=3, threshold=0.2, today=DAY0)
    strict = find_routes(graph, ADMIN, sector="zorg-welzijn", k=3, threshold=0.6, today=DAY0)
    assert loose.best.cost <= strict.best.cost + 1e-9
    for route in strict:
        assert all(s.similarity >= 0.6 for s in route.steps if s.kind == "similarity")


# --- errors ---------------------------------------------------------------------------------------------


def test_unknown_ids_are_named(graph):
    with pytest.raises(InputError, match=r"find_routes field 'start': occupation '.*0C5F6408XX' is not in the "
                                         r"taxonomy \(closest: '.*0C5F64081C', 'Medewerker bediening'\)"):
        find_routes(graph, OCC + "0C5F6408XX", occupation=PM_KINDEROPVANG)
    with pytest.raises(InputError, match=r"find_routes field 'occupation': occupation 'nope' is not in the taxonomy"):
        find_routes(graph, HORECA, occupation="nope")
    with pytest.raises(InputError, match=r"find_routes field 'sector': sector 'kinderopvan' is not a sector of the "
                                         r"taxonomy \(closest: 'kinderopvang'\)"):
        find_routes(graph, HORECA, sector="kinderopvan")
    with pytest.raises(InputError, match=r"jobseeker record 'j1' field 'occupation': occupation 'x' is not in"):
        find_routes(graph, Jobseeker(id="j1", occupation="x"), sector="ict")
    with pytest.raises(InputError, match=r"jobseeker record 'j1' field 'skills\[0\].skill'"):
        find_routes(graph, Jobseeker(id="j1", skills=[SkillClaim(skill="urn:nope")]), sector="ict")
    with pytest.raises(InputError, match=r"find_routes field 'start': expected a Jobseeker or an occupation id, got int"):
        find_routes(graph, 3, sector="ict")
    with pytest.raises(InputError, match=r"find_routes field 'graph': expected a RouteGraph or a Taxonomy"):
        find_routes("graph", HORECA, sector="ict")


def test_targets_must_be_one_and_not_the_start(graph):
    with pytest.raises(InputError, match=r"give exactly one target"):
        find_routes(graph, HORECA)
    with pytest.raises(InputError, match=r"give exactly one target"):
        find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, sector="ict")
    with pytest.raises(InputError, match=r"the start already is 'Medewerker bediening'"):
        find_routes(graph, HORECA, occupation=HORECA)


def test_a_sector_whose_only_occupation_is_the_start():
    tx = mini_taxonomy(1, n_occupations=3)  # sector 'cruciaal' holds o1 and o2
    g = RouteGraph.build(tx)
    with pytest.raises(InputError, match=r"find_routes field 'sector': the start's own occupation is the only one in sector "
                                         r"'onder-druk'"):
        find_routes(g, "o0", sector="onder-druk", today=DAY0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(k=0), r"find_routes field 'k': expected an integer >= 1, got 0"),
    (dict(minimise="euro"), r"field 'minimise': expected one of 'hours', 'eur', got 'euro'"),
    (dict(threshold=1.5), r"field 'threshold': expected a number from 0 to 1, or None, got 1.5"),
    (dict(constraints=5), r"field 'constraints': expected a PlanConstraints, a dict of its fields, or None"),
    (dict(lang="de"), r"field 'lang'"),
    (dict(today="2025-01-01"), r"field 'today': expected a date, or None"),
    (dict(max_steps=0), r"field 'max_steps': expected an integer >= 1, or None, got 0"),
])
def test_bad_parameters(graph, kwargs, message):
    with pytest.raises(InputError, match=message):
        find_routes(graph, HORECA, sector="ict", **kwargs)


def test_unknown_constraint_names_are_refused(graph):
    with pytest.raises(InputError, match=r"constraints field 'regio': unknown constraint 'regio'"):
        find_routes(graph, Jobseeker(id="j1", occupation=HORECA), sector="ict", constraints={"regio": "twente"})


def test_no_path_and_nothing_similar_enough():
    tx = mini_taxonomy(2, paths=False)
    with pytest.raises(InputError, match=r"find_routes record 'o4' field 'occupation': no route reaches 'Beroep 4': no "
                                         r"development path step leads there and no occupation \(nor the start "
                                         r"profile\) is at similarity ≥ 0.99 to it \(the highest is 0\.\d\d\)"):
        find_routes(tx, "o0", occupation="o4", threshold=0.99, today=DAY0)


def tiny_taxonomy():
    """Four similar occupations; only o2 needs c3 (essential), which no module teaches; o3 lies between o0 and o1."""
    b = TaxonomyBuilder("tiny", "test")
    w = Where("api")
    for j in range(4):
        b.add_concept(Concept(id=f"c{j}", pref_label_nl=f"Vaardigheid {j}"), w)
    b.add_sector(Sector(id="a", label_nl="A"), w)
    b.add_sector(Sector(id="b", label_nl="B", crucial=True), w)
    profiles = {"o0": [("c0", 3), ("c1", 1)], "o1": [("c0", 3), ("c1", 3), ("c2", 1)],
                "o2": [("c0", 3), ("c1", 3), ("c2", 3), ("c3", 3)], "o3": [("c0", 3), ("c1", 3)]}
    for o, reqs in profiles.items():
        b.add_occupation(Occupation(id=o, pref_label_nl=f"Beroep {o}", sector="a" if o == "o0" else "b",
                                    requirements=tuple(Requirement(skill=c, importance="essential", level=lv)
                                                       for c, lv in reqs)), w)
    for m, (c, hours) in enumerate([("c1", 40), ("c2", 80)]):
        b.add_module(TrainingModule(id=f"m{m}", title=f"Module {m}", type="course", nlqf=2, hours=hours,
                                    cost_eur=hours * 10, regions=("r1",) if m == 1 else (),
                                    skills=({"skill": c, "level": 4},)), w)
    from skillmatch.models import Region

    b.add_region(Region(id="r1", name="Regio een", location={"lat": 52.0, "lon": 5.0}), w)
    b.add_region(Region(id="r2", name="Regio twee", location={"lat": 52.5, "lon": 5.5}), w)
    return b.build()


def test_training_that_no_module_teaches():
    tx = tiny_taxonomy()
    route = find_routes(tx, "o0", occupation="o1", threshold=0.1, today=DAY0).best
    assert route.hours == 120 and route.steps[0].modules == ("m0", "m1")
    with pytest.raises(InputError, match=r"find_routes record 'o2' field 'occupation': no route reaches 'Beroep o2': "
                                         r"training that no module teaches: no module teaches the essential skill\(s\) "
                                         r"'Vaardigheid 3' of 'Beroep o2' to the required level"):
        find_routes(tx, "o0", occupation="o2", threshold=0.1, today=DAY0)


def test_the_constraint_that_binds_is_named():
    tx = tiny_taxonomy()
    with pytest.raises(InputError, match=r"constraints record 'o1' field 'region': no route reaches 'Beroep o1': the "
                                         r"constraint\(s\) region leave\(s\) no training: no module the person can "
                                         r"take teaches 'Vaardigheid 2' of 'Beroep o1'"):
        find_routes(tx, "o0", occupation="o1", threshold=0.1, today=DAY0, constraints={"region": "r2"})
    with pytest.raises(InputError, match=r"constraints record 'o1' field 'max_hours': no route reaches 'Beroep o1': "
                                         r"the constraint\(s\) max_hours leave\(s\) no training: without max_hours "
                                         r"\(now 70\) a full plan exists: € 1.200, 120 hours"):
        find_routes(tx, "o0", occupation="o1", threshold=0.1, today=DAY0, constraints={"max_hours": 70})


def test_routes_above_the_hours_in_total_are_passed_over():
    tx = tiny_taxonomy()
    # every step fits 100 hours (o0 -> o3: 40, o3 -> o1: 80), no route does (120 either way)
    with pytest.raises(InputError, match=r"constraints record 'o1' field 'max_hours': no route to 'Beroep o1' fits: the "
                                         r"cheapest route needs 120 hours, above max_hours 100 hours"):
        find_routes(tx, "o0", occupation="o1", threshold=0.1, today=DAY0, constraints={"max_hours": 100})
    found = find_routes(tx, "o0", occupation="o1", threshold=0.1, today=DAY0, constraints={"max_hours": 130}, k=5)
    assert [len(r) for r in found] == [1, 2] and [r.hours for r in found] == [120, 120]


def test_binding_constraints_are_named(graph):
    # a person in Zeeland who can only follow evening courses paid by the employer
    person = Jobseeker(id="j1", occupation=HORECA, region="zeeland", funding=("werkgever",), delivery=("weekend",),
                       available_from=DAY0)
    with pytest.raises(InputError, match=r"constraints record '.*D52005FEEC' field '[a-z_, ]*(delivery|funding|region)"):
        find_routes(graph, person, occupation=PM_KINDEROPVANG, minimise="eur")


def test_a_budget_below_every_route(graph):
    person = Jobseeker(id="j1", occupation=HORECA, budget_eur=50.0, available_from=DAY0)
    with pytest.raises(InputError, match=r"field 'budget_eur'"):
        find_routes(graph, person, occupation=PM_KINDEROPVANG, minimise="eur")


def test_routes_over_the_total_budget_are_passed_over(graph):
    unlimited = find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, minimise="hours", k=5, today=DAY0)
    cap = sorted(r.cost_eur for r in unlimited)[1] - 1  # below all but the cheapest-in-euros route
    limited = find_routes(graph, HORECA, occupation=PM_KINDEROPVANG, minimise="hours", k=5, today=DAY0,
                          constraints={"budget_eur": cap})
    assert all(r.cost_eur <= cap for r in limited)
    if any(r.cost_eur > cap for r in unlimited):
        assert any("passed over: above budget_eur" in n for n in limited.notes) or len(limited) == 5
