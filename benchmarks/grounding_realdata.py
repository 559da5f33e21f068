"""Real-data figures of the grounding detector (run: ``python benchmarks/grounding_realdata.py``).

Reads ../shared/realdata (override with TRACELINT_REALDATA=/path) and prints:

1. GSM8K reference solutions: every ``<<a*b=c>>`` annotation (and inline ``expr = value``)
   checked; every claim that is not ``ok`` is listed with its context.
2. MR-GSM8K: which first-error reasons are calculation errors (rule below), recall of the
   arithmetic rules - NUM001 (wrong claims, prose sums included), NUM003 (inconsistent
   equations) and NUM004 (numbers in different units added) - together and each alone on
   those steps, their false alarms on the steps before the labelled first error, and the
   misses grouped by what the step actually contains.
3. Final answers: agreement of ``answer_correct`` with MiP's ``eval_result`` (normal runs) and
   with a ZeroEval-style judge re-implemented here (first JSON object's ``answer``, ``$`` and
   ``,`` removed, first number compared as a float - the rule of ZeroEval's gsm_eval.py);
   disagreements are listed by category.
4. NUM002 (ungrounded numbers): how often it fires on traces whose answer is right, and its
   hit rate on MR-GSM8K steps whose error reason says the number came from nowhere.
   NUM003 (inconsistent equations): how often it fires on the MiP and ZeroEval traces whose
   answer is right, and on those whose answer is wrong (section ``num003``), findings listed.
5. Speed: claims/s and MB/s of claim extraction+checking (process CPU time) on the math
   traces, and MB/s of the NUM003 equation chains on the same texts.

Options: ``--quick`` (fewer files for speed), ``--list N`` (how many items per list),
``--only SECTIONS``, ``--repeat N`` (speed: runs per group; the median is reported).
"""
from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from tracelint.config import Config  # noqa: E402
from tracelint.detectors import completion as C  # noqa: E402
from tracelint.detectors import grounding as G  # noqa: E402
from tracelint.detectors.base import TraceContext  # noqa: E402
from tracelint.grounding.claims import ClaimScanner, scan_claims  # noqa: E402
from tracelint.grounding.equations import check_equations  # noqa: E402
from tracelint.model import Trace  # noqa: E402

ROOT = os.environ.get("TRACELINT_REALDATA",
                      os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "realdata"))
if not os.path.isdir(ROOT):
    ROOT = "/work/shared/realdata"
MIP = os.path.join(ROOT, "mip_overthinking")
ZE = os.path.join(ROOT, "zeroeval_gsm8k")
MR = os.path.join(ROOT, "mr_gsm8k", "mr_gsm8k_wrong_solutions_human_labelled.jsonl")


def jsonl(path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def short(s, n=110):
    s = s.replace("\n", " | ")
    return s if len(s) <= n else s[:n - 1] + "…"


# --------------------------------------------------------------------------------------------
# 1. GSM8K reference solutions

def gsm8k_references(nlist):
    print("\n== 1. Reference solutions: GSM8K <<a*b=c>> annotations, MATH solutions ==")
    base = {r["answer"]: "inputs/gsm8k.jsonl" for r in jsonl(os.path.join(MIP, "inputs", "gsm8k.jsonl"))}
    union = dict(base)
    for f in sorted(glob.glob(os.path.join(MIP, "gsm8k__*.jsonl"))):
        for r in jsonl(f):
            a = r.get("answer")
            if isinstance(a, str) and "<<" in a:
                union.setdefault(a, os.path.basename(f))
    for r in jsonl(MR):
        union.setdefault(r["ground_truth_solution"], "mr_gsm8k ground_truth_solution")
    for title, sols in (("inputs/gsm8k.jsonl answer field (582 problems)", base),
                        ("all distinct reference solutions (MiP gsm8k files + MR-GSM8K ground truth)",
                         union)):
        st = collections.Counter()
        n_ann = 0
        bad = []
        for text, src in sols.items():
            n_ann += text.count("<<")
            for c in scan_claims(text):
                st[(c.kind, c.status)] += 1
                if c.status != "ok":
                    bad.append((src, c, text))
        ann = {s: st[("annotation", s)] for s in ("ok", "wrong", "unchecked")}
        tot = sum(ann.values())
        inl = {s: st[("inline", s)] for s in ("ok", "wrong", "unchecked")}
        print(f"\n{title}: {len(sols)} solutions, {n_ann} annotations")
        print(f"  annotation claims: {tot}  ok {ann['ok']}  wrong {ann['wrong']}  "
              f"unchecked {ann['unchecked']}  -> {100.0 * ann['ok'] / max(tot, 1):.2f}% check as "
              f"correct ({n_ann - tot} annotations are not claims: '<<40=40>>', '<<+8=8>>')")
        print(f"  inline claims in the same texts: ok {inl['ok']}  wrong {inl['wrong']}  "
              f"unchecked {inl['unchecked']}")
        for src, c, text in bad:
            _show_claim(src, c, text)
    # MATH reference solutions (written by people, LaTeX): every claim they make should check
    sols = {}
    for f in [os.path.join(MIP, "inputs", "math.jsonl")] + sorted(glob.glob(os.path.join(MIP, "math__*.jsonl"))):
        for r in jsonl(f):
            if isinstance(r.get("solution"), str):
                sols.setdefault(r["solution"], os.path.basename(f))
    st = collections.Counter()
    bad = []
    for text, src in sols.items():
        for c in scan_claims(text):
            st[c.status] += 1
            if c.status != "ok":
                bad.append((src, c, text))
    tot = sum(st.values())
    print(f"\nMATH reference solutions (LaTeX, written by people): {len(sols)} solutions, {tot} "
          f"claims: ok {st['ok']}  wrong {st['wrong']}  unchecked {st['unchecked']}  -> "
          f"{100.0 * st['ok'] / max(tot, 1):.2f}% check as correct")
    for src, c, text in bad:
        _show_claim(src, c, text)
    print("  hand-checked: the one 'wrong' claim is an error in the MATH solution itself: the "
          "discriminant of y^2 - 4y - 1 is written (-4)^2 + 4*1*(-1), which is 12, and stated as "
          "20 (b^2 - 4ac = 16 + 4 = 20: the sign in the written expression is wrong)")


def _show_claim(src, c, text):
    ctx = text[max(0, c.start - 70):c.end + 25]
    print(f"  - {c.kind} {c.status}: {c.lhs} {c.relation} {c.rhs}"
          f"{'  (exact: ' + c.expected + ')' if c.expected else ''}"
          f"{'  [' + c.reason + ']' if c.reason else ''}  <{src}>  …{short(ctx, 140)}…")


# --------------------------------------------------------------------------------------------
# 2. MR-GSM8K

#: A first-error reason is a *calculation error* when its text (English, or the Chinese
#: version in _alt_first_error_reason) says so in so many words.  Decided from the reason
#: text only, never from what tracelint finds in the step.
CALC_EN = re.compile(
    r"\b(?:calculation|computation|arithmetic)(?:al)?\s+(?:error|mistake)s?\b"
    r"|\b(?:calculation|computation|arithmetic)s?\s+(?:result\s+)?(?:is|was|are|were)\s+"
    r"(?:also\s+)?(?:incorrect|wrong|erroneous|inaccurate|mistaken)"
    r"|\bmiscalculat|\bcalculated\s+(?:incorrectly|wrongly)|\b(?:wrong|incorrect)(?:ly)?\s+calculat"
    r"|\berrors?\s+in\s+(?:the\s+)?calculation", re.I)
CALC_ZH = re.compile(r"计算错误|计算有误|计算出错|算错|计算结果错误|计算结果有误|运算错误|计算失误")
#: Sub-rule used only to break the figure down: the reason is about solving for an unknown.
ALGEBRA = re.compile(r"\bx\b|\bX\b|\by\b|equation|both sides|solv|simplif|variable|unknown|"
                     r"方程|未知数|两边|化简", re.I)
#: NUM002 evaluation: the reason says the number has no source.
#: Hand check of the misses (reading each of them in full, question and every step; the
#: table is /tmp/team/mr_misses.md of session 4): steps whose written arithmetic is wrong
#: but that none of NUM001, NUM003, NUM004 flags.  Everything else among the misses is a
#: step whose written arithmetic is right (the annotators' "calculation" is a wrong set-up,
#: a misread quantity or an error carried from an earlier step - two of those earlier
#: errors are flagged and counted as false alarms below), a prose step with no arithmetic
#: statement, or a step that is right (three annotator errors).  Caught since session 3:
#: 895c4799 "2 dozen cups + 10 measuring spoons = 24 utensils" (units), 0d0633d0 "20 minutes
#: to make the batter + ... + 10 minutes to frost = 80 minutes" (prose sum).
HAND_MISSED_ARITHMETIC = {
    "179ede83": "(25x + 150) / 10 = 25x + 15, a wrong simplification (NUM003 does not use an "
                "equation with the unknown on both sides: it may be an identity or an equation)",
    "8df67abd": "$10.00 * 52 weeks/year * x years = $520.00, then 'the value of the unknown "
                "variable x is 5' (units inside the product: not read as an equation; the "
                "conclusion is prose)",
    "e728ece1": "120/100 * (x/100 * $2000) = $2000 * 1.2 = $2400: the unknown dropped inside "
                "a chain (an '=' between an expression in x and a number is read as an "
                "equation to solve)",
    "f09fb329": "1/3 * 8x = 80/3 = 26.67: x replaced by 10 inside a chain (as e728ece1)",
    "c6a1d14e": "50 + 20 + 420 + 210 = 680 + x (700 = 680 + x is also how an equation is "
                "written)",
    "28f405d3": "(Anne's + 25) + (Fawn's - 12) + Fawn's = 85 'combined' into 2 * Fawn's + 13 "
                "= 85 (named quantities, not letters: no equation is read)",
}
NOWHERE = re.compile(r"nowhere|not (?:mentioned|given|stated|provided)|no (?:basis|evidence|"
                     r"reason)|out of nothing|无中生有|没有依据|凭空|未给出|并未给出|没有提到", re.I)


def mr_gsm8k(nlist):
    print("\n== 2. MR-GSM8K: human-labelled first error step ==")
    recs = list(jsonl(MR))
    n_calc = 0
    hit = 0
    by_cat = collections.Counter()
    misses = collections.defaultdict(list)
    pre_steps = pre_fa = 0
    pre_fa1 = pre_fa3 = 0
    hit1 = hit3 = 0
    fa_list = []
    alg_n = alg_hit = 0
    nowhere_n = nowhere_hit = 0
    n002_pre_steps = n002_pre_fa = 0
    pre_fa4 = hit4 = 0
    cfg = Config(extend_select=["NUM002"])
    for r in recs:
        reason = r["model_output_solution_first_error_reason"]
        text = " ".join([reason] + list(r.get("_alt_first_error_reason") or []))
        calc = bool(CALC_EN.search(text) or CALC_ZH.search(text))
        k = r["model_output_solution_first_error_step"]
        steps = r["model_output_steps"]
        sc = ClaimScanner()
        per_step = [sc.scan(s) for s in steps]
        wrong = [[c for c in cl if c.status == "wrong"] for cl in per_step]
        starts = []
        pos = 0
        for s in steps:
            starts.append(pos)
            pos += len(s) + 1
        # NUM003 on the whole solution (equation chains run across steps), prompt = question
        eq_bad = collections.defaultdict(list)
        for inc in check_equations("\n".join(steps), r["question"]):
            eq_bad[max(i for i, st in enumerate(starts) if st <= inc.start)].append(inc)
        # NUM002 and NUM004 (they need the prompt) from the detector on the whole solution
        trace = Trace(prompt=r["question"], reasoning="\n".join(steps))
        out = G.detect(TraceContext(trace), cfg)
        n002_steps = set()
        mixed = collections.defaultdict(list)
        for f in out.findings:
            if f.code in ("NUM002", "NUM004"):
                j = max(i for i, st in enumerate(starts) if st <= f.start)
                if f.code == "NUM002":
                    n002_steps.add(j)
                else:
                    mixed[j].append(f)
        for j in range(min(k - 1, len(steps))):
            pre_steps += 1
            pre_fa1 += bool(wrong[j])
            pre_fa3 += bool(eq_bad[j])
            pre_fa4 += bool(mixed[j])
            if wrong[j] or eq_bad[j] or mixed[j]:
                pre_fa += 1
                fa_list.append((r["uuid"], steps[j], wrong[j], eq_bad[j], mixed[j]))
        if 0 < k <= len(steps) and NOWHERE.search(text):
            nowhere_n += 1
            nowhere_hit += (k - 1) in n002_steps
        for j in range(min(k - 1, len(steps))):
            n002_pre_steps += 1
            n002_pre_fa += j in n002_steps
        if not calc:
            continue
        n_calc += 1
        alg = bool(ALGEBRA.search(reason))
        ok1 = 0 < k <= len(steps) and bool(wrong[k - 1])
        ok3 = 0 < k <= len(steps) and bool(eq_bad[k - 1])
        ok4 = 0 < k <= len(steps) and bool(mixed[k - 1])
        ok = ok1 or ok3 or ok4
        hit += ok
        hit1 += ok1
        hit3 += ok3
        hit4 += ok4
        if not alg:
            alg_n += 1
            alg_hit += ok
        if not ok:
            cl = per_step[k - 1] if 0 < k <= len(steps) else []
            if not cl:
                cat = "no arithmetic claim in the step (an equation/solving step or prose)"
            elif all(c.status == "ok" for c in cl):
                cat = "every written calculation in the step is arithmetically right"
            else:
                cat = "claims present but unchecked"
            by_cat[cat] += 1
            misses[cat].append((r["uuid"], r["question_type"], reason, steps[k - 1] if 0 < k <= len(steps) else "", cl))
    print("Rule for 'calculation error' (reason text, EN or ZH): CALC_EN or CALC_ZH in "
          "benchmarks/grounding_realdata.py - phrases such as 'calculation error', 'the "
          "calculation is incorrect', 'miscalculated', '计算错误', '算错'.")
    print(f"  records: {len(recs)}; reasons classified as calculation errors: {n_calc}")
    print(f"  NUM001, NUM003 or NUM004 flags the labelled step: {hit}/{n_calc} = "
          f"{100.0 * hit / max(n_calc, 1):.1f}%  (NUM001 {hit1} = "
          f"{100.0 * hit1 / max(n_calc, 1):.1f}%, NUM003 {hit3} = "
          f"{100.0 * hit3 / max(n_calc, 1):.1f}%, NUM004 {hit4} = "
          f"{100.0 * hit4 / max(n_calc, 1):.1f}%, more than one {hit1 + hit3 + hit4 - hit})")
    print(f"    of which reasons not about solving for an unknown: {alg_hit}/{alg_n} = "
          f"{100.0 * alg_hit / max(alg_n, 1):.1f}%")
    print(f"  steps before the labelled first error: {pre_steps}; with a NUM001, NUM003 or "
          f"NUM004 finding: {pre_fa} = {100.0 * pre_fa / max(pre_steps, 1):.2f}%  (NUM001 "
          f"{pre_fa1} = {100.0 * pre_fa1 / max(pre_steps, 1):.2f}%, NUM003 {pre_fa3} = "
          f"{100.0 * pre_fa3 / max(pre_steps, 1):.2f}%, NUM004 {pre_fa4} = "
          f"{100.0 * pre_fa4 / max(pre_steps, 1):.2f}%)")
    for uuid, step, ws, es, ms in fa_list:
        print(f"    - {uuid[:8]} {short(step, 100)}  -> " +
              "; ".join([f"NUM001 {c.lhs} = {c.rhs} (exact {c.expected})" for c in ws] +
                        [f"NUM003 {e.message()}" for e in es] +
                        [f"NUM004 {f.message}" for f in ms]))
    print("  misses (none of the three rules), by what the labelled step contains:")
    for cat, n in by_cat.most_common():
        print(f"    {n:4d}  {cat}")
        for uuid, qt, reason, step, cl in misses[cat][:nlist]:
            print(f"          {uuid[:8]} [{qt}] step: {short(step, 90)}")
            print(f"                   reason: {short(reason, 90)}")
    missed_arith = sum(1 for cat in misses for m in misses[cat] if m[0][:8] in HAND_MISSED_ARITHMETIC)
    print(f"  hand-checked: of the {n_calc - hit} misses, {missed_arith} steps contain arithmetic "
          f"that is actually wrong:")
    for k_, v_ in HAND_MISSED_ARITHMETIC.items():
        print(f"    - {k_}: {v_}")
    print(f"  recall on calculation-error steps whose written arithmetic is wrong (hand-verified): "
          f"{hit}/{hit + missed_arith} = {100.0 * hit / max(hit + missed_arith, 1):.1f}%")
    print(f"  NUM002 on steps whose reason says the number has no source: {nowhere_hit}/{nowhere_n}; "
          f"NUM002 on steps before the first error: {n002_pre_fa}/{n002_pre_steps} = "
          f"{100.0 * n002_pre_fa / max(n002_pre_steps, 1):.1f}%")


# --------------------------------------------------------------------------------------------
# 3. final answers

def split_output(text):
    """(reasoning, answer) of a MiP output: '</think>' splits R1/QwQ/DSQ traces, s1.1 uses
    'think\\n...answer\\n...'; anything else is a visible answer only."""
    if "</think>" in text:
        a, b = text.rsplit("</think>", 1)
        return a.replace("<think>", ""), b
    if text.startswith("think\n") and "\nanswer\n" in text:
        a, b = text[len("think\n"):].rsplit("\nanswer\n", 1)
        return a, b
    return None, text


def mip_traces(pattern="*.jsonl"):
    inputs = {}
    for name in ("gsm8k", "math", "svamp", "formula"):
        for i, r in enumerate(jsonl(os.path.join(MIP, "inputs", f"{name}.jsonl"))):
            inputs[(name, i)] = r
    for f in sorted(glob.glob(os.path.join(MIP, pattern))):
        base = os.path.basename(f)
        if base.startswith("inputs"):
            continue
        dataset, run, model = base[:-6].split("__")
        for i, r in enumerate(jsonl(f)):
            key = [k for k in r if k == "model_answer" or ("(" in k and "count" not in k)]
            if not key:
                continue
            out = r[key[0]]
            if not isinstance(out, str):
                continue
            reasoning, answer = split_output(out)
            q = r.get("question")
            if run == "MiP":
                q = r.get("insufficient_question") or inputs.get((dataset, i), {}).get(
                    "insufficient_question")
            ref = r.get("answer")
            if ref is None and dataset in ("svamp", "formula"):
                ref = inputs.get((dataset, i), {}).get("answer")
            yield dict(file=base, dataset=dataset, run=run, model=model, index=i,
                       trace=Trace(id=f"{base}:{i}", prompt=q, reasoning=reasoning, answer=answer,
                                   reference=None if ref is None else str(ref), model=model),
                       eval_result=r.get("eval_result"))


def zeroeval_traces():
    for f in sorted(glob.glob(os.path.join(ZE, "*.jsonl"))):
        base = os.path.basename(f)
        for i, r in enumerate(jsonl(f)):
            yield dict(file=base, model=r.get("generator"), index=i,
                       trace=Trace(id=f"{base}:{i}", prompt=r["question"], answer=r["output"][0],
                                   reference=r["answer"], model=r.get("generator")),
                       output=r["output"][0], reference=r["answer"])


def zeroeval_judge(output, reference):
    """ZeroEval's gsm rule, re-implemented: the first complete JSON object's 'answer' (else
    a regex for "answer": "..."), '$' and ',' removed, first number, float equality."""
    ans = None
    depth = 0
    start = None
    for i, ch in enumerate(output):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0 and start is not None:
                try:
                    obj = json.loads(output[start:i + 1].replace("\n", ""))
                    if isinstance(obj, dict) and "answer" in obj:
                        ans = str(obj["answer"])
                except ValueError:
                    pass
                break
    if ans is None:
        m = re.search(r'"answer"\s*:\s*"([^"]*?)"', output) or \
            re.search(r'"answer"\s*:\s*([^,\s]*)', output)
        if m:
            ans = m.group(1)
    if ans is None:
        return False, None

    def clean(s):
        return s.replace("$", "").replace(",", "").strip()
    a = re.search(r"-?\d+(\.\d+)?", clean(ans))
    b = re.search(r"-?\d+(\.\d+)?", clean(reference.replace("#", "")))
    if not a or not b:
        return False, ans
    return float(a.group()) == float(b.group()), ans


def run_detector(trace):
    """The grounding detector after the completion detector, as in ``tracelint score`` (the
    truncation reasons it records turn off the last-number answer)."""
    ctx = TraceContext(trace)
    cfg = Config()
    C.detect(ctx, cfg)
    return G.detect(ctx, cfg)


def answers(nlist):
    print("\n== 3. Final answers: answer_correct against the sources' correctness ==")
    # MiP: eval_result on normal runs (1 = correct; 0 and 2 = not correct)
    agree = total = 0
    dis = collections.defaultdict(list)
    methods = collections.Counter()
    for item in mip_traces("*__normal__*.jsonl"):
        ev = item["eval_result"]
        if ev is None:
            continue
        out = run_detector(item["trace"])
        ours = out.metrics["answer_correct"]
        theirs = ev == 1
        total += 1
        methods[(out.metrics["answer_method"], out.metrics["answer_match_method"])] += 1
        if ours == theirs:
            agree += 1
        else:
            key = f"ours={ours} eval_result={ev}"
            dis[key].append((item, out))
    print(f"MiP normal runs with eval_result: {total} traces; agreement {agree}/{total} = "
          f"{100.0 * agree / max(total, 1):.1f}%")
    print("  answer extraction / match methods:", dict(methods.most_common()))
    for key, items in sorted(dis.items(), key=lambda kv: -len(kv[1])):
        print(f"  disagreements {key}: {len(items)}")
        for item, out in items[:nlist]:
            t = item["trace"]
            print(f"     {t.id}: answer={out.metrics['answer']!r} ({out.metrics['answer_method']}) "
                  f"reference={short(t.reference or '', 40)!r}")
    mip_runs = sum(1 for _ in mip_traces("*__MiP__*.jsonl"))
    print(f"  (MiP missing-premise runs, {mip_runs} traces: eval_result there judges abstention on "
          f"an unanswerable question, not the reference answer - not compared)")
    # ZeroEval
    agree = total = 0
    dis = collections.defaultdict(list)
    per_model = collections.Counter()
    per_model_ok = collections.Counter()
    for item in zeroeval_traces():
        out = run_detector(item["trace"])
        ours = out.metrics["answer_correct"]
        theirs, their_ans = zeroeval_judge(item["output"], item["reference"])
        total += 1
        per_model[item["model"]] += 1
        if bool(ours) == theirs:
            agree += 1
            per_model_ok[item["model"]] += 1
        else:
            dis[f"ours={ours} zeroeval={theirs}"].append((item, out, their_ans))
    print(f"ZeroEval GSM8K: {total} answers; agreement with the ZeroEval rule {agree}/{total} = "
          f"{100.0 * agree / max(total, 1):.2f}%")
    for key, items in sorted(dis.items(), key=lambda kv: -len(kv[1])):
        print(f"  disagreements {key}: {len(items)}")
        for item, out, their in items[:nlist]:
            print(f"     {item['trace'].id}: ours={out.metrics['answer']!r} "
                  f"({out.metrics['answer_method']}/{out.metrics['answer_match_method']}) "
                  f"zeroeval_answer={their!r} reference={item['reference']!r}")


# --------------------------------------------------------------------------------------------
# 4. NUM002 noise

def judged_traces(sources, cfg):
    """(source, trace, detector output) of every trace from ``sources`` (name -> items)."""
    for src, items in sources:
        for item in items:
            t = item["trace"]
            yield src, t, G.detect(TraceContext(t), cfg)


def num002(nlist):
    print("\n== 4. NUM002 (ungrounded numbers) on traces whose final answer is right ==")
    for text_numbers in (False, True):
        cfg = Config(extend_select=["NUM002"],
                     rule_options={"NUM002": {"text_numbers": text_numbers}})
        n = fired = 0
        nums = 0
        by_src = collections.Counter()
        for src, t, out in judged_traces((("mip-gsm8k-normal", mip_traces("gsm8k__normal__*.jsonl")),
                                          ("zeroeval", zeroeval_traces())), cfg):
            if out.metrics.get("answer_correct") is not True:
                continue
            n += 1
            k = sum(1 for f in out.findings if f.code == "NUM002")
            nums += k
            if k:
                fired += 1
                by_src[src] += 1
        print(f"  text_numbers={text_numbers}: correct traces {n}; with >=1 NUM002 finding "
              f"{fired} = {100.0 * fired / max(n, 1):.1f}%  ({nums} findings; by source "
              f"{dict(by_src)})")


def num003(nlist):
    print("\n== 4b. NUM003 (inconsistent equations) on all MiP and ZeroEval traces, by whether "
          "the final answer is right ==")
    n = collections.Counter()
    fired = collections.Counter()
    findings = collections.Counter()
    listed = collections.defaultdict(list)
    for src, t, out in judged_traces((("mip", mip_traces("*.jsonl")),
                                      ("zeroeval", zeroeval_traces())), Config()):
        group = {True: "right", False: "wrong"}.get(out.metrics.get("answer_correct"), "unjudged")
        n[group] += 1
        fs = [f for f in out.findings if f.code == "NUM003"]
        if fs:
            fired[group] += 1
            findings[group] += len(fs)
            listed[group].extend((t, f) for f in fs)
    for group in ("right", "wrong", "unjudged"):
        print(f"  answer {group}: {n[group]} traces; with >=1 NUM003 finding {fired[group]} = "
              f"{100.0 * fired[group] / max(n[group], 1):.2f}%  ({findings[group]} findings)")
        for t, f in listed[group][:max(nlist, 0)]:
            text = t.reasoning if f.field == "reasoning" else t.answer
            print(f"    - {t.id} [{f.field}] {f.message}")
            print(f"        …{short(text[max(0, f.start - 160):f.end + 40], 240)}…")


# --------------------------------------------------------------------------------------------
# 5. speed

def speed(repeat=1):
    print("\n== 5. Speed (claim extraction and checking, one core, process CPU time) ==")
    groups = {
        "math traces (MiP math + formula, all models)": ["math__*.jsonl", "formula__*.jsonl"],
        "GSM8K traces (MiP gsm8k, all models)": ["gsm8k__*.jsonl"],
        "ZeroEval GSM8K (JSON chain of thought)": None,
    }
    for title, pats in groups.items():
        texts = []
        if pats is None:
            texts = [it["output"] for it in zeroeval_traces()]
        else:
            for pat in pats:
                for item in mip_traces(pat):
                    t = item["trace"]
                    texts.append((t.reasoning or "") + "\n" + (t.answer or ""))
        nbytes = sum(len(t.encode("utf-8")) for t in texts)
        from tracelint.grounding import claims as CL
        times = []
        for _ in range(max(1, repeat)):
            CL._GLOBAL_CACHE.clear()  # every run starts cold
            t0 = time.process_time()
            n = 0
            for t in texts:
                n += len(scan_claims(t))
            times.append(time.process_time() - t0)
        times.sort()
        dt = times[len(times) // 2]
        spread = (f" (runs {len(times)}: {nbytes / 1e6 / times[-1]:.2f}-"
                  f"{nbytes / 1e6 / times[0]:.2f} MB/s)" if len(times) > 1 else "")
        print(f"  {title}: {len(texts)} texts, {nbytes / 1e6:.1f} MB, {n} claims, {dt:.2f} s -> "
              f"{nbytes / 1e6 / dt:.2f} MB/s, {n / dt:.0f} claims/s{spread}")
        t0 = time.process_time()
        k = sum(len(check_equations(t)) for t in texts)
        dt3 = time.process_time() - t0
        print(f"    NUM003 equation chains on the same texts: {dt3:.2f} s -> "
              f"{nbytes / 1e6 / max(dt3, 1e-9):.2f} MB/s ({k} findings)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", type=int, default=12, help="items shown per list")
    ap.add_argument("--repeat", type=int, default=1,
                    help="speed: runs per group (median reported, with min and max)")
    ap.add_argument("--only", default="", help="comma list of sections: refs,mr,answers,num002,num003,speed")
    args = ap.parse_args(argv)
    only = set(filter(None, args.only.split(",")))
    print(f"real data: {ROOT}")
    if not only or "refs" in only:
        gsm8k_references(args.list)
    if not only or "mr" in only:
        mr_gsm8k(args.list)
    if not only or "answers" in only:
        answers(args.list)
    if not only or "num002" in only:
        num002(args.list)
    if not only or "num003" in only:
        num003(args.list)
    if not only or "speed" in only:
        speed(args.repeat)


if __name__ == "__main__":
    main()
