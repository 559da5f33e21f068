"""The repetition detector on the shapes that fool repetition filters.

Known false positives (must stay ``concise`` / ``verbose-but-engaged``): markdown tables,
lists, ellipses and separator lines, "Option A / Option B" enumerations, code blocks.
Known misses (must be ``degenerate-looping``): punctuation-only loops, loops whose numbers
increment, a loop inside a long trace that later escapes, template loops with a changing word.
"""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st

from tracelint import Trace, analyze

LOOP = "degenerate-looping"

FILLER = [
    "First I restate what is given: a rectangle with a perimeter of {a} and one side of {b}.",
    "The other side follows from the perimeter, so it is {a} / 2 - {b} = {c}.",
    "The area is then the product of the two sides, {b} times {c}, which is {d}.",
    "Let me double-check the perimeter with these sides: 2 × ({b} + {c}) = {a}, good.",
    "Another way to see it: a square with perimeter {a} would have area {e}, which is larger than {d}.",
    "Halving the perimeter gives {h}, and {b} + {c} = {h} as it should.",
    "The difference of the sides is {g}, so the rectangle is {g} units away from a square of side {q}.",
    "Scaling check: doubling both sides would give area {f}, four times {d}.",
]


def engaged_text(rng: random.Random, paragraphs: int) -> str:
    """Varied, progressing prose: every paragraph computes something new."""
    out = []
    for k in range(paragraphs):
        a = rng.randint(20, 400) * 2
        b = rng.randint(1, a // 2 - 1)
        c = a // 2 - b
        vals = dict(a=a, b=b, c=c, d=b * c, e=(a // 4) ** 2, h=a // 2, g=abs(b - c), q=a // 4,
                    f=4 * b * c)
        lines = [s.format(**vals) for s in FILLER]
        rng.shuffle(lines)
        out.append(f"Case {k + 1} (perimeter {a}). " + " ".join(lines[: rng.randint(3, 6)]))
    return "\n\n".join(out)


def label(reasoning: str, **kw) -> str:
    return analyze(Trace(id="t", reasoning=reasoning, answer=kw.pop("answer", "42"), **kw)).label


# --- known false positives -------------------------------------------------------------------

def test_markdown_table_is_not_a_loop():
    rows = "\n".join(f"| {k} | {k * k} | {k ** 3} | {'even' if k % 2 == 0 else 'odd'} |"
                     for k in range(1, 301))
    text = "Let me tabulate n, n², n³.\n\n| n | n² | n³ | parity |\n|---|---|---|---|\n" + rows
    assert label(text) != LOOP


def test_numbered_list_of_new_cases_is_not_a_loop():
    items = "\n".join(f"{k}. If the first digit is {k % 10} and the second is {(k * 7) % 10}, "
                      f"the number {k % 10}{(k * 7) % 10} is {'divisible' if k % 3 == 0 else 'not divisible'} by 3."
                      for k in range(1, 121))
    assert label("Enumerating the two-digit candidates:\n" + items) != LOOP


def test_ellipses_and_separators_are_not_loops():
    text = ("Hmm...... let me think.......\n\n" + "-" * 80 + "\n\n"
            + engaged_text(random.Random(1), 8) + "\n\n" + "=" * 60 + "\n\n" + "." * 40)
    assert label(text) != LOOP


def test_option_enumeration_is_not_a_loop():
    opts = "\n".join(f"Option {chr(65 + k)}: x = {k + 2}, so 3x + 1 = {3 * (k + 2) + 1}, "
                     f"which {'matches' if k == 4 else 'does not match'} the target 19."
                     for k in range(10))
    assert label("Check each option.\n" + opts + "\nSo the answer is E.") != LOOP


def test_code_block_is_not_a_loop():
    code = "\n".join(f"    total += box_{k}.count  # box {k}" for k in range(400))
    text = f"Let me write it out.\n\n```python\ntotal = 0\n{code}\nprint(total)\n```\n\nIt prints 4200."
    assert label(text) != LOOP


def test_long_engaged_trace_is_verbose_not_loop():
    text = engaged_text(random.Random(2), 150)
    assert label(text) == "verbose-but-engaged"


def test_short_answer_is_concise():
    assert label("3 + 4 = 7, so the answer is 7.") == "concise"


# --- known misses --------------------------------------------------------------------------

def test_punctuation_only_loop():
    assert label("Is that right?" + "?!" * 400, answer=None) == LOOP


def test_white_space_until_stopped():
    """A model emitting newlines (or spaces) until it is stopped: no unit covers them, so
    only the white-space run check of REP002 sees it.  Short runs (a blank line, indented
    code, a padded table) are nothing."""
    from tracelint import analyze
    text = "Let me compute the area: 3 * 4 = 12." + "\n" * 3000
    r = analyze({"reasoning": text, "finish_reason": "length"})
    assert r.label == LOOP
    f = next(f for f in r.findings if f.code == "REP002")
    assert (f.start, f.end) == (36, 3036) and "3000 white-space" in f.message
    mixed = analyze({"reasoning": "One.\x00" + " \t\n" * 400 + "Two."})
    assert [(f.start, f.end) for f in mixed.findings if f.code == "REP002"] == [(5, 1205)]
    ok = "Here is the table:\n" + "\n".join(f"    | {k:<60}| {k * k} |" for k in range(50)) + \
        "\nSo the sum of the squares is 40425."
    assert label(ok) != LOOP and label("a" + " " * 999 + "b") != LOOP


def test_loop_with_incrementing_number():
    text = "\n".join(f"Step {k}: the total is still 15 apples, so I add nothing and check once more."
                     for k in range(1, 200))
    assert label(text) == LOOP


def test_loop_that_escapes_inside_a_long_trace():
    rng = random.Random(3)
    loop = "\n\n".join(
        rng.choice(["Wait, maybe the width is missing, so the area cannot be found.",
                    "Alternatively, maybe the width is missing and the area cannot be computed.",
                    "But perhaps the width is missing, so we cannot compute the area."])
        + " " + rng.choice(["Let me re-read the problem.", "Let me look at the problem again."])
        for _ in range(60))
    text = engaged_text(rng, 20) + "\n\n" + loop + "\n\n" + engaged_text(rng, 20) + \
        "\n\nSo, finally, the area is 24."
    res = analyze(Trace(id="t", reasoning=text, answer="24"))
    assert res.label == LOOP
    loop_findings = [f for f in res.findings if f.code == "REP001"]
    assert loop_findings, res.findings
    start = text.index(loop[:30])
    f = loop_findings[0]
    # the span points at the loop, not at the engaged text around it
    assert start - 200 <= f.start <= start + 400
    assert f.end <= start + len(loop) + 400


def test_template_loop_with_changing_word():
    fields = ["music", "chemistry", "sports", "finance", "biology", "geology", "poetry",
              "astronomy", "medicine", "linguistics", "history", "law", "cooking", "art"]
    lines = []
    for k in range(120):
        f = fields[k % len(fields)]
        lines.append(f"Wait, another thought: in {f}, ω could denote a {f} constant, and δ another "
                     f"one, so their difference would be another {f} value, but without knowing "
                     f"the {f} context, I can't compute it.")
    assert label("\n\n".join(lines), answer=None, finish_reason="length") == LOOP


def test_numbers_written_once_are_data_not_a_loop():
    """A zero matrix, an ARC-style grid with blank rows, a shifted diagonal, an array of
    zeros and a periodic decimal repeat exactly, but are written once and the reasoning
    goes on after them."""
    row = " & ".join(["0"] * 12) + r" \\"
    data = {
        "matrix": "\\begin{pmatrix}\n" + "\n".join([row] * 12) + "\n\\end{pmatrix}",
        "grid": "\n".join(" ".join(["0"] * 10) for _ in range(8)) + "\n0 0 0 3 3 3 0 0 0 0\n"
                + "\n".join(" ".join(["0"] * 10) for _ in range(3)),
        "diagonal": "\n".join(" ".join("1" if i == j + 1 else "0" for j in range(16))
                               for i in range(16)),
        "array": "```python\narr = [" + ", ".join(["0"] * 200) + "]\n```",
        "decimal": "1/3 = 0." + "3" * 90,
        "maze": "\n".join(["#" * 17] + ["#" + "." * 15 + "#"] * 12 + ["#" * 17]),
        "dots": "\n".join(". . . . . . . . . . # . . . . ." for _ in range(16)),
    }
    for name, block in data.items():
        text = f"Here it is:\n{block}\nSo the rank is 0 and the answer is 0."
        res = analyze(Trace(id="t", reasoning=text, answer="0"))
        assert res.label != LOOP, (name, [f.code for f in res.findings])


def test_numbers_repeated_to_the_end_or_at_length_are_a_loop():
    zeros = " ".join(["0"] * 400)
    assert label("The value is " + zeros, answer=None) == LOOP
    assert label("The value is " + zeros + " 0.", answer=None) == LOOP  # cut inside a number
    long_run = " ".join(["0"] * 1200)
    assert label("The value is " + long_run + " so it is 0 after all.", answer=None) == LOOP
    assert label("So x = 0." + "3" * 500, answer=None) == LOOP
    assert label("Hmm\n" + "!!!!!!!!\n" * 200, answer=None) == LOOP  # punctuation to the end


def test_long_character_run_inside_one_word():
    assert label("In binary 2.58 is 10.1" + "0011" * 2000, answer=None) == LOOP


def test_loop_finding_has_span_and_metrics():
    block = "Hmm, but maybe the boxes are not full. Then the total changes. Let me recompute it."
    text = "Start. " + " ".join([block] * 80)
    res = analyze(Trace(id="t", reasoning=text, answer=None, finish_reason="length"))
    assert res.label == LOOP
    assert res.metrics["loop_start"] is not None and res.metrics["loop_end"] > res.metrics["loop_start"]
    assert 0 < res.metrics["repeat_coverage"] <= 1
    assert set(res.metrics["dup_ngram_frac"]) == {str(n) for n in range(5, 11)}
    assert all(0.0 <= v <= 1.0 for v in res.metrics["novelty_curve"])


@pytest.mark.parametrize("n_repeats", [1, 2])
def test_rechecking_a_result_twice_is_not_a_loop(n_repeats):
    text = engaged_text(random.Random(4), 40)
    text += "\n\nSo 12 × 4 = 48." * n_repeats
    assert label(text) != LOOP


# --- copied blocks (REP001): a paragraph printed again and again, in any length of answer ----

PARAGRAPH = ("On the first day she counted 100 customers. On the second day she counted 50 more "
             "than on the first day, which means 100 + 50 = 150 customers. The total for the "
             "first two days is 100 + 150 = 250 customers, and by the end of the third day it "
             "is 500, so we subtract 250 from 500.")


def _reprinted(copies: int) -> str:
    intros = ["Correction in the JSON format:", "Here's the corrected JSON:",
              "The final answer should be:", "Final correction for clarity:",
              "The correct JSON is:", "Corrected once more:"]
    parts = [PARAGRAPH]
    for k in range(copies - 1):
        parts.append(f"{intros[k % len(intros)]}\n\n```json\n{{\n    \"reasoning\": "
                     f"\"{PARAGRAPH}\",\n    \"answer\": \"250\"\n}}\n```")
    return "\n\n".join(parts)


def test_paragraph_printed_five_times_is_a_loop_in_a_short_answer():
    text = _reprinted(5)
    assert len(text) < 2500  # far below every length minimum of the other loop checks
    res = analyze(Trace(id="t", reasoning=text, answer="250"))
    assert res.label == LOOP
    f = [f for f in res.findings if f.code == "REP001"]
    assert f and f[0].data.get("copied_block") and f[0].data["repeats"] == 5, res.findings
    assert res.metrics["copied_block_copies"] == 5


@pytest.mark.parametrize("copies", [2, 4])
def test_paragraph_quoted_a_few_times_is_not_a_loop(copies):
    assert label(_reprinted(copies), answer="250") != LOOP


def test_question_quoted_again_and_again_is_not_a_copied_block():
    question = ("A farmer has 120 apples and gives a third of them to his neighbour, then sells "
                "half of what is left at the market for two dollars each. How much money does "
                "he make at the market, and how many apples does he keep for himself?")
    rng = random.Random(5)
    text = "\n\n".join(f"Let me re-read the question: {question}\n\n{engaged_text(rng, 2)}"
                       for _ in range(6))
    res = analyze(Trace(id="t", reasoning=text, prompt=question, answer="80"))
    assert res.metrics["copied_block_copies"] == 0
    assert res.label != LOOP
    # without the prompt the same quotes are a passage written six times
    assert analyze(Trace(id="t", reasoning=text, answer="80")).metrics["copied_block_copies"] == 6


_FUNC = """def process(records, threshold=0.5):
    kept = []
    for rec in records:
        score = rec.get("score", 0.0)
        if score is None:
            continue
        if score >= threshold:
            kept.append(rec)
    total = sum(r["score"] for r in kept)
    mean = total / len(kept) if kept else 0.0
    return {"count": len(kept), "mean": mean}
"""


def _attempts(fixes):
    return "\n\n".join(
        f"Attempt {k + 1}: the test still fails (expected {3 + k}, got {2 + k}). Changing "
        f"the comparison.\n```python\n{_FUNC.replace('if score >= threshold:', fx)}```"
        for k, fx in enumerate(fixes)) + "\n\nNow the tests pass."


def test_code_rewritten_with_a_fix_each_time_is_not_a_copied_block():
    fixes = ["if score >= threshold:", "if score > threshold:", "if float(score) >= threshold:",
             "if score is not None and score >= threshold:", "if score >= float(threshold):",
             "if round(score, 6) >= threshold:"]
    res = analyze(Trace(id="t", reasoning=_attempts(fixes), answer="done"))
    assert res.metrics["copied_block_copies"] == 0 and res.label != LOOP
    # the same function printed six times unchanged is
    res = analyze(Trace(id="t", reasoning=_attempts(fixes[:1] * 6), answer="done"))
    assert res.metrics["copied_block_copies"] == 6 and res.label == LOOP
    # five of the six the same: the five are copies
    res = analyze(Trace(id="t", reasoning=_attempts(fixes[:1] * 3 + fixes[1:2] + fixes[:1] * 2),
                        answer="done"))
    assert res.metrics["copied_block_copies"] == 5 and res.label == LOOP


def test_table_rules_and_rows_of_equal_cells_are_not_copied_blocks():
    """Six different tables share their rule line (symbols only) and a row of equal cells
    (periodic): neither is a passage written again."""
    rule = "|" + "---|" * 30
    text = "\n\n".join(
        f"Table {t}:\n{rule}\n| n |" + "".join(f" {t * 100 + j} |" for j in range(29))
        + "\n| ok |" + " yes |" * 29 for t in range(6))
    assert analyze(Trace(id="t", reasoning=text, answer="1")).metrics["copied_block_copies"] == 0


def test_copied_blocks_counts_copies_and_leaves_periodic_runs_to_rep002():
    from tracelint.detectors.repetition import copied_blocks
    import numpy as np
    block = list(range(10, 70))  # 60 units
    ids = np.array(block + [1] + block + [2, 3] + block + block[:30], dtype=np.int32)
    (copies, length, pos), *_ = copied_blocks(ids, 50)
    assert (copies, length) == (3, 60) and pos.tolist()[:3] == [0, 61, 123]
    # a passage inside a periodic run of period 5 overlaps its next occurrence
    run = np.array(list(range(5)) * 40, dtype=np.int32)  # 200 units
    assert copied_blocks(run, 50) == []
    assert copied_blocks(np.arange(300, dtype=np.int32), 50) == []


def _copied_blocks_by_definition(ids, min_len):
    """Every passage of ``min_len`` units found more than once, no two copies overlapping, as
    {(copies, first position)}: all windows compared."""
    occ = {}
    for i in range(len(ids) - min_len + 1):
        occ.setdefault(tuple(ids[i:i + min_len]), []).append(i)
    return {(len(v), v[0]) for v in occ.values()
            if len(v) >= 2 and min(b - a for a, b in zip(v, v[1:])) >= min_len}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=20), min_size=1, max_size=8),
       st.lists(st.integers(0, 7), max_size=8), st.integers(2, 8))
def test_copied_blocks_equals_its_definition(pieces, picks, min_len):
    """A few pieces over a three-letter alphabet, some written several times."""
    import numpy as np
    from tracelint.detectors.repetition import copied_blocks
    seq = [u for k in picks for u in pieces[k % len(pieces)]] + [u for p in pieces for u in p]
    ids = np.array(seq, dtype=np.int32)
    got = copied_blocks(ids, min_len)
    assert {(c, int(pos[0])) for c, _, pos in got} == _copied_blocks_by_definition(seq, min_len)
    for copies, length, pos in got:
        assert length >= min_len and len(pos) == copies
        assert all(seq[p:p + length] == seq[pos[0]:pos[0] + length] for p in pos.tolist())


def test_chinese_enumeration_is_not_a_loop_but_a_chinese_loop_is():
    # Chinese writes no space after "。": each sentence must still be a segment, or every
    # step of an enumeration (four numbers each) is cut into pieces with one number that
    # look like repeats
    steps = "".join(f"第{i}步：我们考虑情况{i}，此时数值为{i * i + 3}，这与前面的结果{i * 7}不同，"
                    f"所以需要继续分析下一种情形。" for i in range(1, 120))
    r = analyze({"prompt": "x", "response": "<think>" + steps + "</think>答案是17。"})
    assert r.label != "degenerate-looping", [f.message for f in r.findings]
    doubts = ["等等，我需要再检查一下题目的条件。", "也许题目的意思是每个人都有不同的数量？",
              "让我重新读一下题目。"]
    loop = "首先，3乘以4等于12。然后再加上5，得到17。" + "".join(
        doubts[(i * 7) % 3] + ("嗯，" if i % 2 else "") for i in range(300))
    r = analyze({"prompt": "一共有多少个？", "response": "<think>" + loop})
    assert r.label == "degenerate-looping" and "REP001" in {f.code for f in r.findings}


# ------------------------------------ engaged outputs beyond math (a review, session 11)

def _json_records(n: int) -> str:
    import json as _json
    cities = ["Austin", "Denver", "Boston", "Seattle", "Miami", "Chicago", "Portland"]
    recs = [{"id": 1000 + i, "name": f"Customer {chr(65 + i % 26)}{i}", "city": cities[i % 7],
             "plan": ["free", "pro", "team"][i % 3], "zip": f"{10000 + 37 * i}",
             "signup": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "active": i % 2 == 0}
            for i in range(n)]
    return _json.dumps(recs, indent=2)


def test_raw_json_output_is_data_not_a_loop():
    assert label(_json_records(30)) != LOOP
    jsonl = "\n".join(__import__("json").dumps(r) for r in __import__("json").loads(_json_records(30)))
    assert label(jsonl) != LOOP


def test_an_agent_editing_code_is_not_a_loop():
    body = ("def parse(text):\\n    total = 0\\n    for amount, unit in re.findall(PAT, text):\\n"
            "        total += float(amount) * UNITS[unit]\\n    return timedelta(seconds=total)")
    thoughts = ["The weeks unit is missing from the table.", "Uppercase units fail: normalise case.",
                "Empty input should raise, as the issue asks.", "Decimals like 1.5h are cut.",
                "Whitespace between parts breaks the match.", "Negative durations need a sign.",
                "The docstring example is out of date.", "Overflow for huge day counts.",
                "A trailing unit-less number is seconds.", "Milliseconds were requested too.",
                "Combined forms like 1h30m45s work now.", "Last: the type hints and the changelog."]
    steps = []
    for i, thought in enumerate(thoughts):
        steps.append(thought)
        steps.append('[tool call] str_replace_based_edit_tool({"command": "str_replace", '
                     f'"old_str": "{body}", "new_str": "{body}  # case {i}", '
                     '"path": "/repo/src/durations.py"})')
        steps.append(f'[tool call] bash({{"command": "pytest tests/test_durations.py -k case_{i}"}})')
    assert label("\n".join(steps)) != LOOP


def test_methods_of_one_program_sharing_a_body_are_one_program():
    shared = ("        for attempt in range(self.retries):\n            try:\n"
              "                resp = self.session.get(url, timeout=self.timeout)\n"
              "                resp.raise_for_status()\n                return resp.json()\n"
              "            except requests.RequestException as exc:\n"
              "                last = exc\n                time.sleep(self.backoff * 2 ** attempt)\n"
              "        raise ApiError(f'giving up after {self.retries} attempts') from last\n")
    methods = "".join(f"    def get_{name}(self, key):\n        url = f'{{self.base}}/{name}/{{key}}'\n"
                      + shared + "\n" for name in ("users", "orders", "items", "carts", "prices",
                                                   "stores"))
    text = "Here is the client:\n\n```python\nclass ShopClient:\n" + methods + "```\n"
    assert label(text) != LOOP
    # the same program printed again and again is a loop
    block = "```python\ndef f(x):\n    return x + 1  # the fix\n" + "    # note\n" * 20 + "```\n"
    assert label(("Let me fix it again:\n" + block) * 6, answer=None) == LOOP


def test_layout_lines_are_not_repeats():
    rule = "=" * 50
    days = "\n".join(f"{rule}\nDAY {d}: {city}\n{rule}\nMorning: visit the {sight} and walk to the "
                     f"river. Afternoon: lunch at a noodle bar, then the {museum}. Evening: rest."
                     for d, (city, sight, museum) in enumerate(
                         [("Tokyo", "Senso-ji temple", "Mori museum"), ("Tokyo", "Meiji shrine", "Edo museum"),
                          ("Hakone", "Owakudani valley", "open-air museum"), ("Kyoto", "Fushimi Inari", "Kyoto museum"),
                          ("Kyoto", "Kinkaku-ji", "manga museum"), ("Nara", "deer park", "Nara museum"),
                          ("Osaka", "castle", "science museum"), ("Hiroshima", "peace park", "peace museum"),
                          ("Miyajima", "Itsukushima shrine", "aquarium"), ("Tokyo", "Shibuya crossing", "digital art museum")], 1))
    assert label(days) != LOOP
    fields = "\n\n".join(f"### {i}. {name}\n- **Best case:** O(n{'' if i % 2 else ' log n'})\n"
                         f"- **Stable:** {'Yes' if i % 3 else 'No'}\n- **In place:** Yes\n"
                         f"- **How it works:** {how}"
                         for i, (name, how) in enumerate([
                             ("Bubble sort", "swaps neighbours until no swap happens"),
                             ("Insertion sort", "inserts each element into the sorted prefix"),
                             ("Selection sort", "selects the minimum of the rest each pass"),
                             ("Merge sort", "splits in halves and merges sorted runs"),
                             ("Quick sort", "partitions around a pivot and recurses"),
                             ("Heap sort", "builds a heap and pops the maximum"),
                             ("Shell sort", "sorts gapped subsequences with shrinking gaps"),
                             ("Counting sort", "counts keys and rebuilds the array"),
                             ("Radix sort", "sorts digit by digit with a stable pass"),
                             ("Bucket sort", "scatters into buckets and sorts each"),
                             ("Tim sort", "merges natural runs found in the data"),
                             ("Comb sort", "bubble sort with a shrinking gap")], 1))
    assert label(fields * 2) != LOOP or label(fields) != LOOP


def test_an_answer_ending_with_a_grid_is_not_degenerating():
    grid = "\n".join(" ".join("3" if (r, c) in ((1, 2), (2, 3)) else "0" for c in range(10))
                     for r in range(4)) + "\n" + "\n".join(" ".join(["0"] * 10) for _ in range(7))
    assert label("The output grid moves each 3 one cell right:\n" + grid, answer=None) != LOOP


def test_answers_to_separate_questions_do_not_cycle():
    parts = []
    for i in range(1, 16):
        parts.append(f"**Question {i}.** We compare the options for item {i}: option A fails the "
                     f"condition of the stem, option C contradicts line {i}, and option D is "
                     f"too broad. Hence the answer is \\boxed{{{'ABCD'[i % 4]}}}.\n")
    text = "\n".join(parts) * 2
    from tracelint.detectors.repetition import _answer_returns
    assert _answer_returns(text)[0] <= 4
