"""The grounding detector: rules, metrics, flags, options and the rule documentation.

Only tracelint.detectors.grounding is loaded into the rule registry here (the fixture below),
so these tests do not depend on the other detector modules."""
from __future__ import annotations

import pytest

import tracelint.rules as rules
from tracelint.config import Config, from_mapping
from tracelint.detectors import grounding as G
from tracelint.detectors.base import TraceContext
from tracelint.model import Trace


@pytest.fixture(autouse=True)
def grounding_only_registry(monkeypatch):
    monkeypatch.setattr(rules, "DETECTOR_MODULES", ("grounding",))
    monkeypatch.setattr(rules, "_REGISTRY", {})
    yield


def run(trace, cfg=None):
    return G.detect(TraceContext(trace), cfg or Config())


METRICS = ("claims_found", "claims_checked", "claims_wrong", "claims_unchecked",
           "ungrounded_numbers", "answer", "answer_method", "answer_correct",
           "answer_match_method")


def test_metrics_flags_and_findings():
    t = Trace(prompt="She has 16 eggs, eats 3 and bakes with 4; sells the rest at $2.",
              reasoning="16 - 3 - 4 = 8 eggs left. 8 * $2 = $16.", answer="The answer is 18.",
              reference="#### 18")
    out = run(t)
    for k in METRICS:
        assert k in out.metrics
    m = out.metrics
    assert (m["claims_found"], m["claims_checked"], m["claims_wrong"]) == (2, 2, 1)
    assert (m["answer"], m["answer_method"], m["answer_correct"], m["answer_match_method"]) == \
        ("18", "answer-is", True, "numeric")
    assert out.flags == ["arithmetic-errors"]
    (f,) = [f for f in out.findings if f.code == "NUM001"]
    assert f.name == "wrong-arithmetic" and f.field == "reasoning"
    assert t.reasoning[f.start:f.end] == "16 - 3 - 4 = 8"
    assert f.data["expected"] == "9" and f.data["claimed"] == "8"
    assert "9" in f.message


def test_claims_in_the_answer_field_have_answer_spans():
    t = Trace(answer='{"reasoning": "3 * 4 = 13", "answer": "12"}')
    out = run(t)
    (f,) = [f for f in out.findings if f.code == "NUM001"]
    assert f.field == "answer" and t.answer[f.start:f.end] == "3 * 4 = 13"


def test_wrong_answer_and_flag():
    out = run(Trace(reasoning=r"... so \boxed{20}", reference="#### 18"))
    assert out.metrics["answer_correct"] is False
    assert "wrong-answer" in out.flags
    (f,) = [f for f in out.findings if f.code == "ANS001"]
    assert f.field == "reasoning" and f.data["answer"] == "20"


def test_correct_field_wins():
    out = run(Trace(reasoning=r"\boxed{20}", reference="#### 18", correct=True))
    assert (out.metrics["answer_correct"], out.metrics["answer_match_method"]) == \
        (True, "correct-field")
    out = run(Trace(reasoning=r"\boxed{18}", reference="#### 18", correct=False))
    assert out.metrics["answer_correct"] is False and "wrong-answer" in out.flags


def test_no_reference_no_verdict():
    out = run(Trace(reasoning=r"\boxed{20}"))
    assert out.metrics["answer_correct"] is None
    assert out.metrics["answer_match_method"] is None
    assert "wrong-answer" not in out.flags


def test_no_final_answer():
    out = run(Trace(reasoning="Let me think about the second case again"))
    assert out.metrics["answer"] is None and out.metrics["answer_method"] is None
    (f,) = [f for f in out.findings if f.code == "ANS002"]
    assert f.name == "no-final-answer"
    out = run(Trace(reasoning="it is 5 I think"))
    assert not [f for f in out.findings if f.code == "ANS002"]
    cfg = from_mapping({"rules": {"ANS002": {"explicit_only": True}}})
    out = run(Trace(reasoning="it is 5 I think"), cfg)
    assert [f for f in out.findings if f.code == "ANS002"]
    out = run(Trace(reasoning="", answer=None))
    assert not out.findings


def test_missing_answer_with_reference_is_not_correct():
    out = run(Trace(reasoning="no idea", reference="#### 3"))
    assert out.metrics["answer_correct"] is False


def test_num002_is_off_by_default_and_can_be_selected():
    t = Trace(prompt="She bought 3 packs of 12 eggs.", reasoning="3 * 12 + 77 = 113")
    out = run(t)
    assert not [f for f in out.findings if f.code == "NUM002"]
    assert out.metrics["ungrounded_numbers"] == 1
    out = run(t, Config(extend_select=["NUM002"]))
    (f,) = [f for f in out.findings if f.code == "NUM002"]
    assert t.reasoning[f.start:f.end] == "77"
    t2 = Trace(prompt="three packs of a dozen", reasoning="3 * 12 = 36, then 36 / 4 = 9")
    assert run(t2, Config(extend_select=["NUM002"])).metrics["ungrounded_numbers"] == 0


def test_num002_text_numbers_option():
    t = Trace(prompt="5 apples", reasoning="that is 125 in total. Then 125 * 2 = 250")
    strict = run(t, Config(extend_select=["NUM002"]))
    assert strict.metrics["ungrounded_numbers"] == 1
    lenient = run(t, from_mapping({"extend-select": ["NUM002"],
                                   "rules": {"NUM002": {"text_numbers": True}}}))
    assert lenient.metrics["ungrounded_numbers"] == 0


def test_num004_mixed_units():
    # MR-GSM8K 3ee9bb81 (labelled a calculation error: "the unit conversion was not performed")
    q = ("Xavier was 4 feet tall and grew 3 inches. Cole was 50 inches tall and grew 2 inches "
         "over the summer. What is the difference between Cole and Xavier's height now?")
    t = Trace(prompt=q, reasoning="Step 1: Xavier's height increased by 3 inches, so his new "
                                  "height is 4 + 3 = 7 feet.\nStep 2: 50 + 2 = 52 inches.")
    out = run(t)
    (f,) = [f for f in out.findings if f.code == "NUM004"]
    assert t.reasoning[f.start:f.end] == "4 + 3 = 7" and f.data["units"] == ["foot", "inch"]
    assert "arithmetic-errors" in out.flags
    assert not [f for f in run(t, Config(ignore=["NUM004"])).findings if f.code == "NUM004"]
    # converted first, or numbers of one unit: nothing
    for reasoning in ("4 * 12 + 3 = 51 inches, and 50 + 2 = 52 inches",
                      "4 feet = 48 inches; 48 + 3 = 51 inches"):
        assert not [f for f in run(Trace(prompt=q, reasoning=reasoning)).findings
                    if f.code.startswith("NUM")], reasoning
    # a value the prompt writes with two units, or that the trace computed, is not used
    q2 = "The movie is 2 hours long; the ads take 2 minutes and the break 30 minutes."
    assert not run(Trace(prompt=q2, reasoning="2 + 30 = 32 minutes")).findings
    q3 = "It takes 2 hours to cool and 30 minutes to bake."
    assert [f.code for f in run(Trace(prompt=q3, reasoning="2 + 30 = 32 minutes")).findings] \
        == ["NUM004"]
    assert not run(Trace(prompt=q3, reasoning="1 + 1 = 2, so 2 + 30 = 32")).findings


def test_number_units():
    from tracelint.grounding.claims import UNIT_FAMILY
    from tracelint.grounding.numbers import number_units
    got = number_units("4 feet, a 3-inch nail, $12 and 12 apples; 1,500 meters", UNIT_FAMILY)
    assert got[4] == {("length", "foot")} and got[3] == {("length", "inch")}
    assert got[12] == {("money", "dollar"), None} and got[1500] == {("length", "m")}


def test_disabling_rules():
    t = Trace(reasoning="2 + 2 = 5", answer="The answer is 5", reference="#### 4")
    out = run(t, Config(ignore=["NUM", "ANS"]))
    assert not out.findings
    assert "claims_found" not in out.metrics        # no claim scan when both NUM rules are off
    assert out.metrics["answer_correct"] is False   # the verdict is still reported
    out = run(t, Config(select=["NUM001"]))
    assert [f.code for f in out.findings] == ["NUM001"]


def test_options_bound_the_work():
    cfg = from_mapping({"rules": {"NUM001": {"max_digits": 5}}})
    out = run(Trace(reasoning="123456 + 1 = 123457"), cfg)
    assert out.metrics["claims_unchecked"] == 1 and out.metrics["claims_wrong"] == 0


def test_rule_classes_and_docs():
    got = {r.code: r for r in rules.all_rules()}
    assert {c: r.name for c, r in got.items()} == {
        "NUM001": "wrong-arithmetic", "NUM002": "ungrounded-number",
        "NUM003": "inconsistent-equation", "NUM004": "mixed-units", "ANS001": "wrong-answer",
        "ANS002": "no-final-answer"}
    assert got["NUM002"].default_enabled is False
    for r in got.values():
        doc = r.doc()
        assert r.summary() and doc.splitlines()[0] == r.summary()
        for section in ("What:", "Why:", "Flagged example:", "OK example:", "Options:"):
            assert section in doc, (r.code, section)
        for name in r.options:
            assert name in doc, (r.code, name)


def test_num001_converted_units_message_in_the_texts_unit():
    # MR-GSM8K's cake step: compared after converting the hours, so the value the text
    # should have said is in minutes (20 + 30 + 120 + 10), not the sum of the bare numbers
    t = Trace(reasoning="Step 3: The total time is 20 minutes to make the batter + 30 minutes "
                        "to bake the cake + 2 hours to cool + 10 minutes to frost = 80 minutes.")
    (f,) = [f for f in run(t).findings if f.code == "NUM001"]
    assert f.data["expected"] == "180" and f.data["unit"] == "minutes"
    assert f.message.endswith("= 180 minutes"), f.message
    t = Trace(reasoning="So 4 feet - 40 inches = 12 inches.")
    (f,) = [f for f in run(t).findings if f.code == "NUM001"]
    assert (f.data["expected"], f.data["unit"]) == ("8", "inches")
    assert f.message == "4 feet - 40 = 12 is wrong: 4 feet - 40 = 8 inches"
    # no conversion: no unit in the data, the message as before
    (f,) = [f for f in run(Trace(reasoning="So 3 + 4 = 8 apples.")).findings
            if f.code == "NUM001"]
    assert "unit" not in f.data and f.message == "3 + 4 = 8 is wrong: 3 + 4 = 7"


def test_wrong_answer_message_shows_the_references_final_answer():
    gold = "She has 3 + 4 = <<3+4=7>>7 apples.\nShe eats 2, so 7 - 2 = <<7-2=5>>5 are left.\n#### 5"
    out = run(Trace(id="t", reasoning="3 + 4 = 7 and 7 - 1 = 6. The answer is 6.",
                    reference=gold))
    f = [f for f in out.findings if f.code == "ANS001"]
    assert len(f) == 1 and f[0].message == "final answer '6' is not correct (reference: 5)"
