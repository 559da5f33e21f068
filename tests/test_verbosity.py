"""Verbosity bases of the label: group-relative where a task group exists, else absolute."""
from hypothesis import given, strategies as st

from tracelint.model import ReadError, Trace
from tracelint.verbosity import GroupBaseline, build_baseline, judge, work_tokens


def _t(task, tokens, workload=None, i=0):
    return Trace(id=f"t{i}", task=task, output_tokens=tokens, workload=workload)


def test_median_per_task_and_errors_skipped():
    items = [_t("a", 10), _t("a", 30), _t("a", 20), _t("b", 5), _t("b", 7), _t(None, 999),
             ReadError(source="f", line=3, message="bad")]
    b = build_baseline(items)
    assert b.groups == {"a": (3, 20.0, False), "b": (2, 6.0, False)}
    assert b.get(None) is None and b.get("zzz") is None


def test_group_basis_decides_when_group_is_big_enough():
    b = GroupBaseline({"q": (5, 100.0, False), "small": (2, 100.0, False)})
    verbose, how = judge(_t("q", 250), 250, "group", 2000, 2.0, 5, b)
    assert verbose and how == {"basis": "group", "group_size": 5, "group_median": 100.0,
                               "ratio": 2.5, "threshold": 2.0}
    assert not judge(_t("q", 199), 199, "group", 2000, 2.0, 5, b)[0]
    # a 5000-token trace in a group whose median is 4000 is not verbose for its task ...
    b2 = GroupBaseline({"hard": (11, 4000.0, False)})
    assert judge(_t("hard", 5000), 5000, "group", 2000, 2.0, 5, b2) == (
        False, {"basis": "group", "group_size": 11, "group_median": 4000.0, "ratio": 1.25,
                "threshold": 2.0})
    # ... while too small a group, no task, or the absolute basis fall back to verbose-tokens
    for trace, basis in ((_t("small", 250), "group"), (_t(None, 250), "group"),
                         (_t("q", 250), "absolute")):
        assert judge(trace, 250, basis, 2000, 2.0, 5, b) == (
            False, {"basis": "absolute", "threshold": 2000})
    assert judge(_t("q", 2500), 2500, "group", 2000, 2.0, 5, None)[1]["basis"] == "absolute"


def test_workload_divides_tokens():
    assert work_tokens(300, 3.0) == 100.0
    assert work_tokens(300, None) == 300.0 and work_tokens(300, 0) == 300.0
    b = build_baseline([_t("bench", 100 * w, w, i) for i, w in enumerate((1, 2, 3, 4, 5))]
                       + [_t("bench", 1000, 2, 9)])
    assert b.groups["bench"] == (6, 100.0, True)
    assert judge(_t("bench", 1000, 2), 1000, "group", 2000, 2.0, 5, b)[0]  # 500 per unit
    assert not judge(_t("bench", 500, 5), 500, "group", 2000, 2.0, 5, b)[0]  # 100 per unit


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 10**6)), max_size=60),
       st.randoms(use_true_random=False))
def test_baseline_does_not_depend_on_input_order(rows, rnd):
    items = [_t(task, n, None, i) for i, (task, n) in enumerate(rows)]
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert build_baseline(items) == build_baseline(shuffled)
    for task, (n, med, per_work) in build_baseline(items).groups.items():
        assert not per_work
        vals = sorted(v for t, v in rows if t == task)
        assert n == len(vals)
        assert vals[0] <= med <= vals[-1]


def test_a_group_with_and_without_workloads_is_measured_in_tokens():
    # three records with a workload and three without: one scale for the whole group
    items = [_t("q", 1000, 4.0, i) for i in range(3)] + [_t("q", 1000, None, i) for i in range(3)]
    b = build_baseline(items)
    assert b.groups["q"] == (6, 1000.0, False)
    assert {judge(t, 1000, "group", 2000, 2.0, 5, b)[1]["ratio"] for t in items} == {1.0}
