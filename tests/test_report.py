"""`tracelint report`: the command end to end (tables, JSON schema, HTML), escaping, bounds."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from tracelint.cli import main

EVIL = "<script>alert('x')</script> and </textarea><img src=x onerror=alert(1)> & \u2028"

PRICES_TOML = """
[models."think-xl"]
input = 2.0
output = 8.0

[models."chat-s"]
input = 0.1
output = 0.4
aliases = ["chat-s-2024"]

[models."hidden-o"]
input = 1.0
output = 4.0
"""


def make_dataset(path: Path, n_tasks: int = 6) -> Path:
    """A small varied dataset: three models, tasks with workloads, two samples per task for
    one model, a budget sweep for another, a long loop, a hidden-reasoning model, and a trace
    whose text tries to break out of the HTML."""
    recs = []
    loop = "Wait, maybe the total is 24. But the problem says each box holds 6. " * 160
    for t in range(n_tasks):
        w = 1 + t % 4
        steps = " ".join(f"Step {i}: {i} + {i} = {2 * i}." for i in range(1, 2 + w * 3))
        # think-xl: long reasoning, correct, one looping trace (task 0) that hits the budget
        recs.append({"id": f"xl-{t}", "model": "think-xl", "task": f"q{t}", "workload": w,
                     "prompt": f"Question {t}: add the numbers.", "budget": 4000,
                     "reasoning": (loop if t == 0 else steps * 6), "answer": "The answer is 4.",
                     "correct": t != 0, "output_tokens": 4000 if t == 0 else 300 * w,
                     "input_tokens": 40, "finish_reason": "length" if t == 0 else "stop"})
        # chat-s: short, two samples per task (self-consistency), sometimes wrong
        for s in range(2):
            recs.append({"id": f"cs-{t}-{s}", "model": "chat-s-2024", "task": f"q{t}", "sample": s,
                         "workload": w, "prompt": f"Question {t}: add the numbers.",
                         "reasoning": steps + (f" {EVIL}" if t == 1 and s == 0 else ""),
                         "answer": f"The answer is {4 if (t + s) % 3 else 5}.",
                         "correct": bool((t + s) % 3), "output_tokens": 40 * w + 10 * s,
                         "input_tokens": 40})
        # hidden-o: no reasoning text, only token counts
        recs.append({"id": f"ho-{t}", "model": "hidden-o", "task": f"q{t}", "workload": w,
                     "answer": "4", "correct": True, "output_tokens": 500 * w,
                     "reasoning_tokens": 450 * w, "input_tokens": 40})
    # a budget sweep for chat-s under a second budget on two tasks
    for t in range(2):
        for b, tok in ((256, 300), (1024, 120)):
            recs.append({"id": f"sw-{t}-{b}", "model": "sweep-m", "task": f"q{t}", "budget": b,
                         "reasoning": "Step 1: 2 + 2 = 4.", "answer": "The answer is 4.",
                         "correct": b == 1024 or t == 0, "output_tokens": tok, "input_tokens": 40})
    # correctness unknown (no correct field, no reference)
    recs.append({"id": "unk", "model": "chat-s-2024", "reasoning": "I think it is 4.",
                 "answer": "4", "output_tokens": 20})
    with open(path, "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r) + "\n")
    return path


def run_report(tmp_path: Path, *extra: str, data: Path = None):
    data = data or make_dataset(tmp_path / "runs.jsonl")
    prices = tmp_path / "prices.toml"
    prices.write_text(PRICES_TOML, encoding="utf-8")
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    rc = main(["report", str(data), "--json", str(out_json), "--html", str(out_html),
               "--prices", str(prices), "--bootstrap", "100", *extra])
    return rc, out_json, out_html


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    rc, j, h = run_report(tmp)
    return rc, json.loads(j.read_text(encoding="utf-8")), h.read_text(encoding="utf-8"), tmp


def test_exit_code_and_tables(tmp_path, capsys):
    rc, _, _ = run_report(tmp_path)
    out = capsys.readouterr().out
    assert rc == 0
    for title in ("Efficiency decomposition", "Ranking", "Verbalization overhead",
                  "Trace quality", "Cost (USD)", "Budget"):
        assert title in out
    assert "not available" in out  # hidden-o has no reasoning text
    # aligned: every line of the first table has the header's column starts
    lines = out.split("Efficiency decomposition", 1)[1].splitlines()[2:8]
    head = lines[0]
    col = head.index("n ")
    assert all(len(l) > col for l in lines[2:5])


def test_json_schema(report):
    rc, rep, _, _ = report
    assert rep["schema_version"] == "1.1"
    for k in ("spearman_accuracy_efficiency", "spearman_ci", "pareto_front", "false_economy",
              "groups", "overall", "by", "records", "meta", "notes", "prices", "bootstrap"):
        assert k in rep, k
    g = {x["group"]: x for x in rep["groups"]}
    assert set(g) == {"think-xl", "chat-s-2024", "hidden-o", "sweep-m"}
    for x in rep["groups"]:
        for k in ("n", "completion", "conditional_correctness", "accuracy", "mean_tokens",
                  "efficiency", "vo", "vo_ci", "kappa", "kappa_ci", "bottleneck", "label_shares",
                  "loop_tokens", "unknown_correctness", "token_source", "cost_per_attempt",
                  "cost_per_solved", "budget", "budget_sweep", "self_consistency"):
            assert k in x, (x["group"], k)
        if x["efficiency"] is not None:
            assert math.isclose(x["efficiency"], 1000 * x["completion"] * x["conditional_correctness"]
                                / x["mean_tokens"], rel_tol=1e-12)
    assert g["chat-s-2024"]["unknown_correctness"] == 1
    assert g["hidden-o"]["trace_quality"] == "not available" and g["hidden-o"]["label_shares"] is None
    assert g["think-xl"]["label_shares"]["degenerate-looping"] > 0
    assert g["think-xl"]["loop_tokens"] > 0
    assert g["think-xl"]["budget"]["at_or_over_budget_share"] > 0
    assert g["chat-s-2024"]["self_consistency"][0]["k"] == 2
    assert g["sweep-m"]["budget_sweep"]["levels"][0]["budget"] == 256
    assert g["sweep-m"]["budget_sweep"]["elastic"] is True
    assert g["chat-s-2024"]["price"]["output"] == 0.4  # priced through its alias
    assert all(x["token_source"] == "reported" for x in rep["groups"])
    assert rep["spearman_accuracy_efficiency"] is not None


def test_deterministic(tmp_path):
    data = make_dataset(tmp_path / "d.jsonl")
    outs = []
    for k in ("a", "b"):
        j, h = tmp_path / f"{k}.json", tmp_path / f"{k}.html"
        assert main(["report", str(data), "--json", str(j), "--html", str(h), "-q",
                     "--bootstrap", "200"]) == 0
        outs.append((j.read_bytes(), h.read_bytes()))
    assert outs[0] == outs[1]


def test_html_is_self_contained_and_escaped(report):
    _, _, page, _ = report
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # nothing to fetch: no src/href attributes in the markup, no fetch/XHR/import in the
    # script (the JSON data block holds trace text, where such words are just text)
    head, rest = page.split('id="report-data">', 1)
    markup = head + rest.split("</script>", 1)[1]
    assert not re.search(r"\s(src|href)\s*=", markup, re.I)
    assert not re.search(r"fetch\(|XMLHttpRequest|import\(|@import|url\(", markup)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", markup)
    # the hostile trace text never appears as markup
    assert "<script>alert" not in page and "</textarea>" not in page and "<img src=x" not in page
    assert page.count("<script") == 2  # the JSON data block and our script
    assert "\\u003cscript\\u003ealert" in page  # it is there, as JSON-escaped text
    for name in ("pareto", "decomposition", "gap", "cost", "kappa", "labels"):
        assert f'data-plot="{name}"' in page
        assert f'<svg class="plot" data-plot="{name}"' in page, name


def test_group_names_are_escaped(tmp_path):
    data = tmp_path / "evil.jsonl"
    data.write_text("\n".join(json.dumps({"model": f"<b>m{i}</b>", "reasoning": "2 + 2 = 4.",
                                          "answer": "4", "correct": True, "output_tokens": 10 + i})
                              for i in range(3)) + "\n", encoding="utf-8")
    rc, _, h = run_report(tmp_path, data=data)
    page = h.read_text(encoding="utf-8")
    assert rc == 0 and "<b>m" not in page and "&lt;b&gt;m0&lt;/b&gt;" in page


def test_browser_is_bounded(tmp_path):
    data = tmp_path / "many.jsonl"
    long = "Some careful reasoning about the problem. " * 2000
    data.write_text("\n".join(json.dumps({"model": "m", "reasoning": long + str(i), "answer": "4",
                                          "correct": True, "output_tokens": 5000})
                              for i in range(40)) + "\n", encoding="utf-8")
    rc, _, h = run_report(tmp_path, "--browser-per-group", "5", "--browser-chars", "3000", data=data)
    page = h.read_text(encoding="utf-8")
    blob = page.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    entries = json.loads(blob)["browser"]
    assert len(entries) == 5
    assert all(sum(len(p["text"]) for p in e["pieces"]) <= 3000 for e in entries)
    assert len(page) < 200_000


def test_usage_errors(tmp_path, capsys):
    data = make_dataset(tmp_path / "d.jsonl")
    bad = tmp_path / "bad.toml"
    bad.write_text('[models."x"]\ninput = -1\noutput = 2\n', encoding="utf-8")
    assert main(["report", str(data), "--prices", str(bad), "-q"]) == 2
    assert "non-negative" in capsys.readouterr().err
    assert main(["report", str(data), "--sc-k", "1", "-q"]) == 2
    assert main(["report", str(tmp_path / "missing.jsonl"), "-q"]) == 2
    assert main(["report", str(data), "--tokenizer", "nonsense", "-q"]) == 2


def test_unreadable_record_is_reported(tmp_path, capsys):
    data = tmp_path / "broken.jsonl"
    data.write_text('{"model": "m", "reasoning": "2+2=4", "answer": "4", "correct": true}\n'
                    '{not json\n', encoding="utf-8")
    rc = main(["report", str(data), "--bootstrap", "0"])
    out = capsys.readouterr().out
    assert rc == 1 and "could not be read" in out


def test_group_by_two_fields(tmp_path):
    make_dataset(tmp_path / "d.jsonl", n_tasks=3)
    rc, j, _ = run_report(tmp_path, "--by", "model,task")
    rep = json.loads(j.read_text(encoding="utf-8"))
    assert rep["by"] == ["model", "task"]
    assert {"model": "think-xl", "task": "q1"} in [g["key"] for g in rep["groups"]]


def test_price_database_fills_unpriced_models(monkeypatch):
    """With a price database package importable, models the file lacks are priced from it
    (a stand-in module here: genai-prices is optional and not installed by the project)."""
    import sys
    import types

    from tracelint.aggregate.cost import parse_prices
    from tracelint.report.prices import fill_from_database

    fake = types.ModuleType("genai_prices")

    class Usage:
        def __init__(self, input_tokens=0, output_tokens=0):
            self.input_tokens, self.output_tokens = input_tokens, output_tokens

    def calc_price(usage, model_ref, provider_id=None):
        if model_ref != "db-model":
            raise LookupError(model_ref)
        return types.SimpleNamespace(total_price=(usage.input_tokens * 1.5 + usage.output_tokens * 6) / 1e6)

    fake.Usage, fake.calc_price = Usage, calc_price
    monkeypatch.setitem(sys.modules, "genai_prices", fake)
    table = parse_prices({"models": {"file-model": {"input": 1, "output": 2}}})
    table, note = fill_from_database(table, ["file-model", "vendor/db-model", "nowhere", None])
    assert note["database"] == "genai-prices" and note["database_version"]
    assert note["priced_from_database"] == ["vendor/db-model"]
    p = table.lookup("vendor/db-model")
    assert (p.input, p.output) == (1.5, 6.0) and p.source.startswith("genai-prices")
    assert table.lookup("file-model").source == "prices file"
    assert table.lookup("nowhere") is None


# ------------------------------------------------------------ review findings (session 11)

def _write(path: Path, recs) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def test_more_usage_errors(tmp_path, capsys):
    data = make_dataset(tmp_path / "d.jsonl", n_tasks=2)
    same = str(tmp_path / "same.out")
    assert main(["report", str(data), "--json", same, "--html", same, "-q"]) == 2
    assert "same file" in capsys.readouterr().err
    assert main(["report", str(data), "--browser-chars", "0", "--html", str(tmp_path / "x.html")]) == 2
    assert main(["report", str(data), "--browser-per-group", "-1", "--html", str(tmp_path / "x.html")]) == 2
    assert main(["report", str(data), "--by", "meta..x", "-q"]) == 2


def test_json_on_stdout_is_the_whole_of_stdout(tmp_path, capsys):
    data = make_dataset(tmp_path / "d.jsonl", n_tasks=2)
    assert main(["report", str(data), "--json", "-", "--bootstrap", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["schema_version"] == "1.1"


def test_misspelled_fields_get_a_note(tmp_path):
    make_dataset(tmp_path / "d.jsonl", n_tasks=2)
    rc, j, _ = run_report(tmp_path, "--by", "modle", "--workload-field", "wrokload")
    notes = json.loads(j.read_text(encoding="utf-8"))["notes"]
    assert any("'modle'" in n for n in notes) and any("'wrokload'" in n for n in notes)


def test_absurd_values_do_not_lose_the_report(tmp_path):
    """Values the reader accepts (NaN in a --by field, workloads near 1e-300, prices near
    1e307) give a report with nulls where a figure overflows, never a crash; a token count
    beyond 2^53 makes its record an error line."""
    base = {"model": "m", "reasoning": "2 + 2 = 4", "answer": "4", "correct": True}
    data = tmp_path / "a.jsonl"
    data.write_text(
        "\n".join([json.dumps({**base, "output_tokens": 10, "workload": 1e-300}),
                   json.dumps({**base, "output_tokens": 20, "workload": 2e-300}),
                   json.dumps({**base, "output_tokens": 30, "workload": 1.0}),
                   '{"model": "m", "reasoning": "x", "output_tokens": 1e308, "meta": NaN}']) + "\n",
        encoding="utf-8")
    prices = tmp_path / "p.toml"
    prices.write_text('[models."m"]\ninput = 1e307\noutput = 1e307\n', encoding="utf-8")
    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    rc = main(["report", str(data), "--by", "model,meta", "--prices", str(prices), "--json", str(out),
               "--html", str(html), "-q", "--bootstrap", "20"])
    assert rc == 1  # the 1e308 record is unreadable
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert rep["meta"]["read_errors"] == 1 and rep["records"] == 3
    g = rep["groups"][0]
    assert g["cost_per_attempt"] is None and g["vo"] == 60.0 and g["kappa"] is not None
    assert "inf" not in html.read_text(encoding="utf-8").lower().replace("info", "")


def test_nan_group_value_and_colliding_names(tmp_path):
    recs = [{"model": "a / b", "task": "c", "reasoning": "1", "answer": "1", "correct": True},
            {"model": "a", "task": "b / c", "reasoning": "1", "answer": "1", "correct": True},
            {"model": "(none)", "reasoning": "1", "answer": "1", "correct": True},
            {"reasoning": "1", "answer": "1", "correct": True}]
    data = _write(tmp_path / "d.jsonl", recs)
    out = tmp_path / "r.json"
    assert main(["report", str(data), "--by", "model,task", "--json", str(out), "-q",
                 "--bootstrap", "0"]) == 0
    names = [g["group"] for g in json.loads(out.read_text(encoding="utf-8"))["groups"]]
    assert len(names) == len(set(names)) == 4
    (tmp_path / "n.jsonl").write_text('{"reasoning": "1", "meta": {"run": NaN}}\n', encoding="utf-8")
    assert main(["report", str(tmp_path / "n.jsonl"), "--by", "meta.run", "-q"]) == 0


def test_unknown_accuracy_is_no_false_economy(tmp_path):
    recs = [{"model": "cheap", "reasoning": "2 + 2 = 4", "answer": "4", "output_tokens": 100}
            for _ in range(3)]
    recs += [{"model": "dear", "reasoning": "2 + 2 = 4", "answer": "4", "correct": True,
              "output_tokens": 100} for _ in range(3)]
    data = _write(tmp_path / "d.jsonl", recs)
    prices = tmp_path / "p.toml"
    prices.write_text('[models."cheap"]\ninput = 1\noutput = 1\n'
                      '[models."dear"]\ninput = 2\noutput = 2\n', encoding="utf-8")
    out = tmp_path / "r.json"
    main(["report", str(data), "--prices", str(prices), "--json", str(out), "-q", "--bootstrap", "0"])
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert rep["false_economy"] == []
    # and a group that solves nothing is still infinitely dear
    recs = [{**r, "correct": False} if r["model"] == "cheap" else r for r in recs]
    _write(tmp_path / "d.jsonl", recs)
    main(["report", str(data), "--prices", str(prices), "--json", str(out), "-q", "--bootstrap", "0"])
    fe = json.loads(out.read_text(encoding="utf-8"))["false_economy"]
    assert [(p["cheaper_per_token"], p["dearer_per_token"]) for p in fe] == [("cheap", "dear")]


def test_nothing_solved_anywhere_has_no_best_group(tmp_path):
    recs = [{"model": m, "reasoning": "2 + 2 = 5", "answer": "5", "correct": False,
             "output_tokens": 10} for m in ("a", "b")]
    data = _write(tmp_path / "d.jsonl", recs)
    out = tmp_path / "r.json"
    main(["report", str(data), "--json", str(out), "-q", "--bootstrap", "0"])
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert rep["best_groups"] == [] and all(g["bottleneck"] is None for g in rep["groups"])
