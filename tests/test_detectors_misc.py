"""Units, completion (TRN) and prompt copy (CPY) on small hand-made traces."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tracelint import Trace, analyze
from tracelint.units import encode


@settings(deadline=None, max_examples=200)
@given(st.text())
def test_units_map_back_to_the_text(text):
    vocab = {}
    u = encode(text, vocab)
    assert len(u.ids) == len(u.starts) == len(u.ends) == len(u.kinds)
    prev_end = 0
    for i in range(len(u)):
        a, b = int(u.starts[i]), int(u.ends[i])
        assert prev_end <= a < b <= len(text)
        gap = text[prev_end:a]
        assert encode(gap, {}).ids.shape[0] == 0, "text between units must hold no unit"
        prev_end = b


def test_units_examples():
    vocab = {}
    u = encode("Wait, 3.14 × 2 = 6.28 — 你好 don't", vocab)
    words = ["Wait", ",", "3.14", "×", "2", "=", "6.28", "—", "你", "好", "don", "'", "t"]
    got = ["Wait, 3.14 × 2 = 6.28 — 你好 don't"[a:b] for a, b in zip(u.starts, u.ends)]
    assert got == words
    assert u.kinds.tolist() == [0, 3, 1, 3, 1, 3, 1, 3, 2, 2, 0, 3, 0]
    # shared vocabulary: same unit, same id, across texts; words case-folded
    v = encode("wait", vocab)
    assert v.ids[0] == u.ids[0]


def reasons(**kw):
    return analyze(Trace(id="t", **kw)).truncation_reasons


def test_truncation_reasons():
    assert reasons(reasoning="ok.", answer="4", finish_reason="length") == ["finish_reason"]
    assert reasons(reasoning="ok.", answer="4", output_tokens=100, budget=100) == ["budget"]
    assert reasons(reasoning="ok.", answer="4", output_tokens=99, budget=100) == []
    assert reasons(reasoning="so the total is", thinking_unclosed=True) == \
        ["unclosed-thinking", "no-final-answer"]
    assert reasons(reasoning="So the total is 5 times the number of") == ["no-final-answer"]
    # a finished chat answer without an answer marker is not truncated
    assert reasons(reasoning="The problem does not say how many girls there are.") == []
    assert reasons(reasoning="So the answer is 12") == []
    # a chat sign-off with emoji (Gemma-2 on MiP problems): finished, not cut
    assert reasons(reasoning="We need more information about the peaches! 🍑 \n\n") == []
    assert reasons(reasoning="Let me know if you have other details! 🌳 🕯️") == []
    assert reasons(reasoning="Let me know if you want another problem 🧑🏽\u200d🍳") == []
    assert reasons(reasoning="The pizza costs 5 dollars per 🍕 and the") == ["no-final-answer"]
    # outputs that end without a full stop and are not cut: a poem, a one-word translation,
    # a short summary; cuts on an operator, a comma, an open word, or long prose still are
    assert reasons(reasoning="Soft rain on the roof\nwhispers to the sleeping town\n"
                             "puddles hold the sky") == []
    assert reasons(reasoning="Bonjour") == []
    assert reasons(reasoning="No") == []
    assert reasons(reasoning="SELECT name FROM users WHERE age > 30;") == []
    assert reasons(reasoning="Open the door and let the light come in") == []
    assert reasons(reasoning="project/\n\u251c\u2500\u2500 src/\n\u2514\u2500\u2500 tests/") == []
    assert reasons(reasoning="def total(items):\n    total = 0\n    total +=") == \
        ["no-final-answer"]
    assert reasons(reasoning="The article argues that cities should invest in bike lanes "
                             "because they reduce traffic and improve health") == []
    assert reasons(reasoning="The sum 3 + 4 =") == ["no-final-answer"]
    assert reasons(reasoning="so the total sales for green hats is $800 (which is") == \
        ["no-final-answer"]
    long = "We add the parts one by one and keep the running total. " * 40
    assert reasons(reasoning=long + "\nNow we need to find how many pots she needs for roses") \
        == ["no-final-answer"]


def test_truncated_flag_and_findings():
    r = analyze(Trace(id="t", reasoning="abc", answer=None, finish_reason="length"))
    assert r.truncated and "truncated" in r.flags
    assert {f.code for f in r.findings} >= {"TRN001"}


PROMPT = ("A farmer has 17 sheep and buys 5 more at the market on Tuesday. Then 3 of the sheep "
          "wander off into the forest. How many sheep does the farmer have now?")


def test_prompt_copy_flagged():
    reasoning = "\n".join([PROMPT] * 3) + " So 17 + 5 - 3 = 19."
    r = analyze(Trace(id="t", prompt=PROMPT, reasoning=reasoning, answer="19"))
    assert "prompt-copying" in r.flags
    assert r.metrics["copy_coverage"] > 0.8
    codes = {f.code for f in r.findings}
    assert "CPY001" in codes


def test_short_restatement_is_normal():
    reasoning = ("The farmer has 17 sheep and buys 5 more, so 17 + 5 = 22. Then 3 wander off: "
                 "22 - 3 = 19. Check: 19 + 3 = 22 and 22 - 5 = 17, which is where we started. "
                 "Everything is consistent, so the farmer has 19 sheep now.")
    r = analyze(Trace(id="t", prompt=PROMPT, reasoning=reasoning, answer="19"))
    assert "prompt-copying" not in r.flags
    assert r.metrics["copy_coverage"] < 0.5


def test_restate_and_compute_is_not_copying():
    # the style of many chat models on GSM8K (phi-3, Qwen2, gpt-4o, o1-mini): quote each
    # premise, then compute from it; more than half the units are quoted (0.5-0.6 on the
    # real answers), and it is still reasoning
    prompt = ("Timothy's locker is 24 cubic inches. Zack's locker is half as big as Timothy's "
              "locker. Peter's locker is 1/4 as big as Zack's locker. How big is Peter's locker "
              "in cubic inches?")
    reasoning = ("Timothy's locker is 24 cubic inches.\nZack's locker is half as big as "
                 "Timothy's locker, so it is 24/2 = 12 cubic inches.\nPeter's locker is 1/4 as "
                 "big as Zack's locker, so it is 12/4 = 3 cubic inches.\nTherefore, Peter's "
                 "locker is 3 cubic inches.\n")
    r = analyze(Trace(id="t", prompt=prompt, reasoning=reasoning, answer="3"))
    assert 0.5 <= r.metrics["copy_coverage"] < 0.75
    assert "prompt-copying" not in r.flags


def test_repeated_formula_is_not_prompt_rereading():
    prompt = "Find all real roots of the polynomial -x^3 + 2x^2 + 3x and give their sum."
    steps = ["Factor -x^3 + 2x^2 + 3x first.", "Then -x^3 + 2x^2 + 3x = -x(x^2 - 2x - 3).",
             "So -x^3 + 2x^2 + 3x = -x(x - 3)(x + 1).",
             "The roots of -x^3 + 2x^2 + 3x are 0, 3 and -1, and their sum is 2."]
    r = analyze(Trace(id="t", prompt=prompt, reasoning=" ".join(steps), answer="2"))
    assert "CPY002" not in {f.code for f in r.findings}
    # the same count of re-quoted prose is flagged
    question = "the polynomial has three real roots and we want their sum"
    prompt = f"We know that {question}. Find the sum."
    reasoning = " ".join(f"Step {i}: recall that {question}." for i in range(4))
    r = analyze(Trace(id="t", prompt=prompt, reasoning=reasoning))
    assert "CPY002" in {f.code for f in r.findings}


def test_near_copy_counts():
    edited = PROMPT.replace("wander off into", "wandered into").replace("Tuesday", "Tuesday,")
    reasoning = edited + " " + edited + " So 19."
    r = analyze(Trace(id="t", prompt=PROMPT, reasoning=reasoning, answer="19"))
    assert r.metrics["copy_coverage"] > 0.5
