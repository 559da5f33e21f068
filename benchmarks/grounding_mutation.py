"""Mutation recall, sampled precision and extraction gaps of NUM001 on real traces.

Run: ``python benchmarks/grounding_mutation.py`` (a few minutes on one core).  Reads the
canonical real-data file (``~/.cache/tracelint-bench/realdata.jsonl``, written by
``convert_realdata.py``; override with ``TRACELINT_REALDATA_JSONL``) and the MR-GSM8K
reference solutions (``../shared/realdata/mr_gsm8k``; override with ``TRACELINT_REALDATA``).

1. **Mutation recall.**  Every claim ``scan_claims`` checks as ``ok`` is a place where the
   text states a result that is right.  A sample of them (per model and per format, fixed
   seed) gets its written result replaced by a plausible wrong value in the same rendering
   (last digit off by one away from the true value, two adjacent digits swapped, times ten
   with the decimal places kept, the sign flipped; ``≈`` claims only get mutations that move
   the value by more than the approximation tolerance).  The mutated text is scanned again;
   a mutation is *caught* when a ``wrong`` claim (what NUM001 reports) covers the changed
   number.  Recall is broken down by format, mutation kind, model and dataset, and the
   misses are listed with what the scanner made of the mutated text.
2. **Precision sample.**  NUM001 findings on the unmodified traces (``analyze`` with only
   NUM001 selected, on the sampled records), 100 of them drawn across models with a fixed
   seed, each printed with 150 characters of context on either side (``--precision-out``
   writes them to a file for reading; the verdicts are not part of this script).
3. **Extraction gaps.**  Places that look like an arithmetic statement - digits, an operator
   and an ``=`` (or ``≈``) followed by a number within a short window, LaTeX included - where
   the scanner finds no claim, or only an ``unchecked`` one, grouped by a pattern tag with
   counts and examples.

Deterministic: no wall-clock or hash-seed dependence (``zlib.crc32`` and ``random.Random``
with a fixed seed).  Options: ``--seed``, ``--per-model``, ``--per-format``, ``--examples``,
``--precision-n``, ``--precision-out``, ``--max-records`` (a prefix of the file, for a quick
run).
"""
from __future__ import annotations

import argparse
import bisect
import collections
import json
import os
import random
import re
import sys
import time
import zlib
from decimal import Decimal
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from tracelint import analyze  # noqa: E402
from tracelint.config import Config  # noqa: E402
from tracelint.grounding.claims import ClaimScanner, scan_claims  # noqa: E402
from tracelint.grounding.parser import Limits  # noqa: E402

JSONL = os.environ.get("TRACELINT_REALDATA_JSONL",
                       os.path.expanduser("~/.cache/tracelint-bench/realdata.jsonl"))
ROOT = os.environ.get("TRACELINT_REALDATA",
                      os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "realdata"))
if not os.path.isdir(ROOT):
    ROOT = "/work/shared/realdata"
MR = os.path.join(ROOT, "mr_gsm8k", "mr_gsm8k_wrong_solutions_human_labelled.jsonl")

LIMITS = Limits()
# Mutations in one copy of a text are kept this far apart, more than twice the scanner's
# window (600 characters each side), so that one mutation cannot change how another is read.
GAP = 1400


def short(s: str, n: int = 160) -> str:
    s = s.replace("\n", " | ")
    return s if len(s) <= n else s[:n - 1] + "…"


# --------------------------------------------------------------------------------------------
# input

class Text:
    __slots__ = ("uid", "dataset", "model", "field", "text", "record")

    def __init__(self, uid, dataset, model, field, text, record):
        self.uid, self.dataset, self.model = uid, dataset, model
        self.field, self.text, self.record = field, text, record


def _dataset(rid: str) -> str:
    head = rid.rsplit(":", 1)[0]
    if head.startswith("mr_gsm8k"):
        return "mr_gsm8k"
    if head.startswith("gsm__"):
        return "zeroeval_gsm8k"
    parts = head.split("__")
    return "_".join(parts[:2]) if len(parts) >= 3 else parts[0]


def load(max_records: int):
    out = []
    with open(JSONL, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if max_records and i >= max_records:
                break
            r = json.loads(line)
            for f in ("reasoning", "answer"):
                t = r.get(f)
                if isinstance(t, str) and t.strip():
                    out.append(Text(r["id"], _dataset(r["id"]), r.get("model") or "?", f, t, r))
    if os.path.exists(MR):
        seen = set()
        with open(MR, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                t = r.get("ground_truth_solution")
                if isinstance(t, str) and t not in seen:
                    seen.add(t)
                    rec = {"id": "mr_gsm8k_ref:" + r["uuid"], "reasoning": t,
                           "prompt": r.get("question", "")}
                    out.append(Text(rec["id"], "mr_gsm8k_ref", "GSM8K-reference", "reasoning",
                                    t, rec))
    return out


# --------------------------------------------------------------------------------------------
# formats

_LATEX_CMD = re.compile(r"\\[A-Za-z]+|\^\{|_\{|\{,\}")
_UNICODE_OP = re.compile("[×÷−·⋅∙√²³⁰¹⁴-⁹≈∛]")
_PCT = re.compile(r"%")
_MONEY = re.compile(r"(?:\\?\$\s?\d|[€£¥]|\b(?:dollars?|cents?)\b)")
_UNIT = re.compile(r"\d\s*(?:\\text\{\s*|\\mathrm\{\s*|\\,\s*)?[A-Za-z]{2,}|\d\s*[a-zA-Z]\b(?!\s*[=+*/^(-])")
_DEC = re.compile(r"\d\.\d")
_FRAC = re.compile(r"\d\s*/\s*\d|\\[dt]?frac|[½⅓⅔¼¾⅕-⅞]")
_POW = re.compile(r"\^|\*\*|[²³⁰¹⁴-⁹]|\\sqrt|√|sqrt")
_SCI = re.compile(r"(?:\\times|×|\*|\\cdot)\s*10\s*\^|\d[eE][+-]?\d")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def in_math(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside ``$…$``, ``\\(…\\)`` or ``\\[…\\]`` (a local heuristic)."""
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:pos].replace("\\$", "")
    if line.count("$") % 2 == 1:
        return True
    back = text[max(0, pos - 2000):pos]
    o = max(back.rfind("\\["), back.rfind("\\("))
    c = max(back.rfind("\\]"), back.rfind("\\)"))
    return o > c


def formats(text: str, c) -> list:
    s = text[c.start:c.end]
    tags = []
    if c.kind == "annotation":
        tags.append("annotation")
    if _LATEX_CMD.search(s) or in_math(text, c.start):
        tags.append("latex")
    if _UNICODE_OP.search(s):
        tags.append("unicode-op")
    if _PCT.search(s):
        tags.append("percent")
    if _MONEY.search(s):
        tags.append("money")
    if _UNIT.search(re.sub(r"\\(?:times|cdot|div|frac|dfrac|tfrac|sqrt|left|right|approx)", " ", s)):
        tags.append("units")
    if _DEC.search(s):
        tags.append("decimal")
    if _FRAC.search(s):
        tags.append("fraction")
    if _POW.search(s):
        tags.append("power/root")
    if _SCI.search(s):
        tags.append("sci-notation")
    if c.relation != "=":
        tags.append("approx")
    if not tags:
        tags.append("plain")
    return tags


# --------------------------------------------------------------------------------------------
# mutations

# The first number of the written right side: digits with `,` / `{,}` / thin-space groups and
# an optional decimal part; an optional minus sign (ASCII or U+2212) right before it.
_RHS_NUM = re.compile(r"(?P<sign>[-−]\s*)?(?P<num>\d{1,3}(?:(?:,|\{,\}|\u2009|\\,)\d{3})+(?:\.\d+)?"
                      r"|\d+(?:\.\d+)?|\.\d+)")


def _render(value: Decimal, places: int, template: str) -> str:
    """``value`` with ``places`` decimals, grouped like ``template`` (commas, ``{,}``...)."""
    neg = value < 0
    q = Decimal(1).scaleb(-places)
    s = format(abs(value).quantize(q), "f")
    whole, _, frac = s.partition(".")
    sep = None
    for cand in ("{,}", ",", "\u2009", "\\,"):
        if cand in template:
            sep = cand
            break
    if sep is not None:
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        whole = sep.join(groups)
    if template.startswith(".") and whole == "0":
        whole = ""
    return ("-" if neg else "") + whole + ("." + frac if places else "")


def _parse_num(num: str):
    plain = re.sub(r"\{,\}|,|\u2009|\\,", "", num)
    places = len(plain.split(".", 1)[1]) if "." in plain else 0
    return Decimal(plain), places


def _swap(num: str):
    """Swap the last pair of adjacent different digits (separators stay where they are)."""
    idx = [i for i, ch in enumerate(num) if ch.isdigit()]
    for a, b in zip(reversed(idx[:-1]), reversed(idx[1:])):
        if num[a] != num[b]:
            lst = list(num)
            lst[a], lst[b] = lst[b], lst[a]
            out = "".join(lst)
            if re.match(r"0\d", re.sub(r"\{,\}|,", "", out)):
                continue  # a leading zero is not a plausible rendering
            return out
    return None


_PLAIN_ACCEPT = ("", "rounded", "truncated", "approx", "rounded operands", "rounded terms")


def _population(c, rhs: str, m) -> str:
    """Which mutations can be verified wrong without re-implementing the checker.

    ``number``: the right side is one number (with ``$``, ``%``, units, LaTeX wrappers) and
    the claim was accepted exactly, as a rounding or as an approximation, so the true value is
    the written one within that tolerance; ``reading``: the same, but accepted through another
    reading of the text (percent label, running total, ...), whose value is not the written
    one; ``product``: the mutated number is a factor of a
    right side without a top-level ``+``/``-`` nor a power or root around it, so the value
    scales and any change of a nonzero value is wrong; ``identity``: the claim has variables
    (a mutation makes it an equation, which is not a claim by design); ``other``: unverified.
    """
    if c.reason == "identity":
        return "identity"
    rest = rhs[:m.start()] + " " + rhs[m.end():]
    rest = re.sub(r"\\(?:text|mathrm|mathbf|textbf|boxed)\{[^{}]*\}|\\[,;! ]|\\quad|\\boxed|"
                  r"\\left|\\right|\\\$|[$%{}()\s]", "", rest)
    if len(c.results) == 1 and not re.search(r"[\d+*/^=\\√²³-]", rest):
        return "number" if c.reason in _PLAIN_ACCEPT else "reading"
    before, after = rhs[:m.start()], rhs[m.end():]
    if re.search(r"(?:\^|\^\{|sqrt\{?|sqrt\(|√|\\sqrt\{|\\sqrt\[\d\]\{)\s*$", before) or \
            re.match(r"\s*(?:\^|\*\*|[²³])", after):
        return "other"
    top = re.sub(r"\([^()]*\)|\{[^{}]*\}", "", rhs[m.end():])
    lead = before.strip()[1:] if before.strip()[:1] in "-−" else before
    if re.search(r"[+\-−]|\\pm", top) or re.search(r"[+\-−]", lead):
        return "other"
    if c.results and c.results[0] == 0:
        return "other"
    return "product"


def mutate(text: str, c, kind_order):
    """(start, end, replacement, kind, population) for the claim's written result, or None."""
    rs = c.end - len(c.rhs)
    if rs < c.start or text[rs:c.end] != c.rhs:
        return None
    m = _RHS_NUM.search(c.rhs)
    if not m:
        return None
    num = m.group("num")
    value, places = _parse_num(num)
    negative = m.group("sign") is not None
    signed = -value if negative else value
    unit = Decimal(1).scaleb(-places)
    pop = _population(c, c.rhs, m)
    approx = c.relation != "=" or c.reason == "approx"
    truth = c.results[0] if pop in ("number", "reading") else None
    for kind in kind_order:
        if approx and kind == "last-digit":
            continue  # within the tolerance of `≈` by design
        new_num, new_sign = None, negative
        if kind == "last-digit":
            nv = signed + unit
            if nv < 0 <= signed:
                nv = signed + unit  # 0 -> 1 rather than a new sign
            new_sign = nv < 0
            new_num = _render(abs(nv), places, num)
        elif kind == "swap":
            new_num = _swap(num)
        elif kind == "times-ten" and value != 0:
            new_num = _render(value * 10, places, num)
        elif kind == "sign" and value != 0:
            new_sign = not negative
            new_num = num
        if new_num is None or (new_num == num and new_sign == negative):
            continue
        nvalue, _ = _parse_num(new_num)
        nsigned = -nvalue if new_sign else nvalue
        if truth is not None:
            diff = abs(Fraction(str(nsigned)) - truth)
            u = Fraction(str(unit))
            if approx:
                need = max(abs(truth) / 5, 3 * u)
            elif c.reason in ("", ):
                need = u
            else:
                need = 2 * u  # a rounded or truncated value: one unit could still be right
            if diff < need:
                continue
        elif approx and kind == "swap":
            continue
        rep = ("-" if new_sign else "") + new_num
        return rs + m.start(), rs + m.end(), rep, kind, pop
    return None


KINDS = ("last-digit", "swap", "times-ten", "sign")


def kind_order(key: str):
    k = zlib.crc32(key.encode()) % len(KINDS)
    return KINDS[k:] + KINDS[:k]


def pack(muts):
    """Split mutations of one text into copies whose mutations are GAP characters apart."""
    copies = []
    for m in sorted(muts, key=lambda x: x[0]):
        for cp in copies:
            if m[0] - cp[-1][1] >= GAP:
                cp.append(m)
                break
        else:
            copies.append([m])
    return copies


def apply(text: str, muts):
    """The text with the mutations applied, and each mutation's span in the new text."""
    parts, spans, pos, shift = [], [], 0, 0
    for s, e, rep, *_ in muts:
        parts.append(text[pos:s])
        parts.append(rep)
        spans.append((s + shift, s + shift + len(rep)))
        shift += len(rep) - (e - s)
        pos = e
    parts.append(text[pos:])
    return "".join(parts), spans


def mutation_recall(texts, claims_of, args, rng):
    print("\n== 1. Mutation recall: an `ok` claim's written result made wrong ==")
    pool = []
    for ti, t in enumerate(texts):
        for c in claims_of[ti]:
            if c.status == "ok":
                pool.append((ti, c))
    print(f"ok claims available: {len(pool):,}")
    by_model = collections.defaultdict(list)
    by_format = collections.defaultdict(list)
    tags_of = {}
    for item in pool:
        ti, c = item
        tags = formats(texts[ti].text, c)
        tags_of[(ti, c.start, c.end)] = tags
        by_model[texts[ti].model].append(item)
        for tg in tags:
            by_format[tg].append(item)
    chosen = {}
    for key in sorted(by_model):
        items = by_model[key]
        for item in rng.sample(items, min(args.per_model, len(items))):
            chosen[(item[0], item[1].start, item[1].end)] = item
    for key in sorted(by_format):
        items = by_format[key]
        for item in rng.sample(items, min(args.per_format, len(items))):
            chosen[(item[0], item[1].start, item[1].end)] = item
    muts_by_text = collections.defaultdict(list)
    skipped = collections.Counter()
    for key in sorted(chosen):
        ti, c = chosen[key]
        t = texts[ti]
        m = mutate(t.text, c, kind_order(f"{t.uid}:{t.field}:{c.start}"))
        if m is None:
            skipped["no mutable number" if _RHS_NUM.search(c.rhs) is None else "no kind applies"] += 1
            continue
        muts_by_text[ti].append(m + (c, tags_of[key]))
    # one mutation per position: a chain `a = b = c` shares numbers between claims
    results = []
    allres = results
    sc = ClaimScanner(LIMITS)
    t0 = time.process_time()
    ncopies = 0
    for ti in sorted(muts_by_text):
        t = texts[ti]
        uniq = {}
        for m in muts_by_text[ti]:
            uniq.setdefault(m[0], m)
        for cp in pack(list(uniq.values())):
            ncopies += 1
            new, spans = apply(t.text, cp)
            found = scan_claims(new, LIMITS, sc)
            starts = [x.start for x in found]
            for (s, e, rep, kind, pop, c, tags), (ns, ne) in zip(cp, spans):
                hit, near = False, []
                lo = bisect.bisect_left(starts, ns - 4000)
                for x in found[lo:]:
                    if x.start > ne:
                        break
                    if x.start <= ns and x.end >= ne:
                        near.append(x)
                        if x.status == "wrong":
                            hit = True
                results.append({"ti": ti, "kind": kind, "tags": tags, "hit": hit, "pop": pop,
                                "claim": c, "rep": rep, "orig": t.text[s:e],
                                "after": near, "ctx": short(new[max(0, ns - 90):ne + 40], 200)})
    cpu = time.process_time() - t0
    print(f"mutated: {len(results):,} claims in {ncopies:,} text copies "
          f"({cpu:.1f} s CPU); not mutated: {dict(skipped)}")

    def table(title, keyfn, multi=False):
        cnt = collections.defaultdict(lambda: [0, 0])
        for r in (allres if title.startswith("population") else results):
            keys = keyfn(r) if multi else [keyfn(r)]
            for k in keys:
                cnt[k][0] += r["hit"]
                cnt[k][1] += 1
        print(f"\n{title:<34} {'caught':>7} {'n':>6} {'recall':>7}")
        for k, (h, n) in sorted(cnt.items(), key=lambda kv: (-kv[1][1], kv[0])):
            print(f"{str(k):<34} {h:>7} {n:>6} {100 * h / n:>6.1f}%")

    table("population (see _population)", lambda r: r["pop"])
    allres = results
    results = [r for r in allres if r["pop"] in ("number", "product")]
    hits = sum(r["hit"] for r in results)
    print(f"\nMUTATION RECALL (number + product populations, verified wrong): {hits}/{len(results)}"
          f" = {100 * hits / max(1, len(results)):.1f}%")
    design = [r for r in results if not r["hit"] and any(
        x.status == "unchecked" and x.reason == "refuted in the text" for x in r["after"])]
    n2 = len(results) - len(design)
    print(f"  without the {len(design)} that the text itself refutes (unchecked by design): "
          f"{hits}/{n2} = {100 * hits / max(1, n2):.1f}%")
    table("format (multi-label)", lambda r: r["tags"], multi=True)
    table("mutation kind", lambda r: r["kind"])
    table("relation", lambda r: r["claim"].relation)
    table("claim kind", lambda r: r["claim"].kind)
    table("how the original was accepted", lambda r: r["claim"].reason or "exact")
    table("model", lambda r: texts[r["ti"]].model)
    table("dataset", lambda r: texts[r["ti"]].dataset)
    misses = [r for r in results if not r["hit"]]
    why = collections.Counter()
    groups = collections.defaultdict(list)
    for r in misses:
        if not r["after"]:
            w = "no claim covers it any more"
        else:
            st = sorted({f"{x.status}:{x.reason or 'exact'}" for x in r["after"]})
            w = "still " + ",".join(st)
        why[w] += 1
        groups[w].append(r)
    print(f"\nmisses by what the scanner made of the mutated text ({len(misses)}):")
    for w, n in why.most_common():
        print(f"  {n:>5}  {w}")
        for r in groups[w][:args.examples]:
            t = texts[r["ti"]]
            print(f"         [{t.model} {r['kind']} {r['orig']}->{r['rep']} "
                  f"{'/'.join(r['tags'])}] {r['ctx']}")
    return results


# --------------------------------------------------------------------------------------------
# 2. precision sample

def precision_sample(texts, claims_of, args, rng):
    print("\n== 2. NUM001 on the unmodified traces: a sample to read ==")
    wrong = collections.defaultdict(list)
    total = 0
    for ti, t in enumerate(texts):
        for c in claims_of[ti]:
            if c.status == "wrong":
                wrong[t.model].append((ti, c))
                total += 1
    checked = sum(1 for cl in claims_of for c in cl if c.status in ("ok", "wrong"))
    print(f"wrong claims (NUM001): {total:,} of {checked:,} checked claims "
          f"({100 * total / max(1, checked):.2f}%)")
    for m in sorted(wrong, key=lambda k: -len(wrong[k])):
        print(f"  {len(wrong[m]):>5}  {m}")
    order = {m: rng.sample(v, len(v)) for m, v in sorted(wrong.items())}
    picked = []
    while len(picked) < args.precision_n and any(order.values()):
        for m in sorted(order):
            if order[m] and len(picked) < args.precision_n:
                picked.append(order[m].pop())
    # The same findings through the public API (only NUM001 selected), as a consistency check.
    cfg = Config(select=["NUM001"])
    agree = 0
    lines = []
    for n, (ti, c) in enumerate(picked, 1):
        t = texts[ti]
        res = analyze(dict(t.record), cfg)
        if any(f.code == "NUM001" and f.field == t.field and f.start == c.start
               and f.end == c.end for f in res.findings):
            agree += 1
        a, b = max(0, c.start - 150), min(len(t.text), c.end + 150)
        ctx = t.text[a:c.start] + "⟦" + t.text[c.start:c.end] + "⟧" + t.text[c.end:b]
        lines.append(f"### P{n:03d} {t.model} | {t.uid} | {t.field} @{c.start}\n"
                     f"claim: `{c.lhs} {c.relation} {c.rhs}`  expected: {c.expected}"
                     f"{'  reason: ' + c.reason if c.reason else ''}\n\n"
                     f"```\n{ctx}\n```\n")
    print(f"sampled {len(picked)}; also reported by analyze(select=NUM001) at the same span: "
          f"{agree}/{len(picked)}")
    body = "\n".join(lines)
    if args.precision_out:
        with open(args.precision_out, "w", encoding="utf-8") as fh:
            fh.write(body)
        print(f"sample with context written to {args.precision_out}")
    else:
        print(body)


# --------------------------------------------------------------------------------------------
# 3. extraction gaps

# An arithmetic-looking run ending at an `=`/`≈`: a number, an operator, another number or a
# bracket/LaTeX group, then anything without `=` on the same line up to the anchor.
_OPS = r"(?:[-+*/×÷·⋅−^]|\\times|\\cdot|\\div|\\pm)"
_NUMLIKE = r"(?:\d|\\frac|\\dfrac|\\tfrac|\\sqrt|√|\(|\\left|\{)"
_LHS_LOOK = re.compile(r"(?:\d|[)}%²³])[^\S\n]*(?:[A-Za-z]+[^\S\n]*)?" + _OPS + r"[^\S\n]*" + _NUMLIKE)
_LHS_LOOK2 = re.compile(r"\\[dt]?frac\s*\{?\s*\d|\\sqrt\s*\{?\s*\d|√\s*\d|\d\s*[²³]|\d\s*%\s*of\s+\d")
_ANCH = re.compile(r"(?<![=<>!:~])(?:=|≈|\\approx)(?![=>])")
_RHS_LOOK = re.compile(r"[^\S\n]*(?:&|\\;|\\,|\\quad)?[^\S\n]*"
                       r"(?:\\?\$|\\\(|\\boxed\{|\\left|\(|\{)?[^\S\n]*[-−]?[^\S\n]*\d")
_VAR = re.compile(r"(?<![A-Za-z\\])(?:[a-wyzA-Z]|x(?!\s*\d))(?![A-Za-z])")
_FUNC = re.compile(r"\b(?:sin|cos|tan|cot|sec|csc|log|ln|exp|lg|arc\w+|mod|gcd|lcm|floor|ceil)\b|"
                   r"\\(?:sin|cos|tan|log|ln|exp|binom|choose|lfloor|lceil|pmod|bmod|mod|gcd|operatorname)|"
                   r"!|\\binom|C\(|P\(")


# (tag, pattern, which window): "win" is the left side and the right side, "lhs" the left side
# without LaTeX commands, "wide" 30 characters more on each side, "at" the anchor itself,
# "line" the start of the line.  Order matters: the first tag names a gap's example group.
GAP_TAGS = [
    ("cjk-nearby", _CJK, "wide"),
    ("function/factorial/binom", _FUNC, "win"),
    ("sci-notation", _SCI, "win"),
    ("boxed", re.compile(r"\\boxed"), "win"),
    ("cdot", re.compile(r"\\cdot|·|⋅"), "win"),
    ("dfrac/tfrac", re.compile(r"\\dfrac|\\tfrac"), "win"),
    ("frac", re.compile(r"\\frac"), "win"),
    ("exponent", re.compile(r"\^|[²³]"), "win"),
    ("root", re.compile(r"\\sqrt|√|sqrt"), "win"),
    ("mixed-number?", re.compile(r"\d\s+\d+/\d+|\d\s*\\frac"), "win"),
    ("percent", re.compile("%"), "win"),
    ("money", _MONEY, "win"),
    ("unit/word", re.compile(r"\d\s*[A-Za-z]{2,}"), "lhs"),
    ("approx", re.compile(r"^(?:≈|\\approx)"), "at"),
    ("colon", re.compile(r"\d\s*:\s*\d"), "win"),
    ("display-math", re.compile(r"\\\[|\\\]|\$\$"), "wide"),
    ("align-&", re.compile(r"&\s*\|"), "at"),
    ("left/right", re.compile(r"\\(?:left|right)"), "win"),
    ("list-item", re.compile(r"^\s*(?:[-*]|\d+[.)])\s"), "line"),
]


def gap_tags(text: str, lo: int, anchor: int, rhs_end: int, status: str) -> list:
    stripped = re.sub(r"\\[A-Za-z]+|\\text\{[^}]*\}|\\mathrm\{[^}]*\}", " ", text[lo:anchor])
    windows = {"win": text[lo:rhs_end], "lhs": stripped,
               "wide": text[max(0, lo - 30):rhs_end + 30],
               "at": text[anchor:anchor + 8] if text[anchor] != "=" else text[anchor - 3:anchor] + "|",
               "line": text[text.rfind("\n", 0, lo) + 1:lo + 1]}
    tags = [name for name, rx, where in GAP_TAGS if rx.search(windows[where])]
    if "dfrac/tfrac" in tags and "frac" in tags:
        tags.remove("frac")
    # last, so that the examples are grouped by the more specific tags first
    if _VAR.search(re.sub(r"[A-Za-z]{2,}", " ", stripped[-30:])):
        tags.append("letter (variable?)")
    return tags or ["plain"]


def extraction_gaps(texts, claims_of, args):
    print("\n== 3. Extraction gaps: arithmetic-looking `... op ... = number` with no checked claim ==")
    found = collections.Counter()
    by_tag = collections.Counter()
    by_primary = collections.defaultdict(list)
    unchecked_reasons = collections.Counter()
    unchecked_ex = collections.defaultdict(list)
    by_model = collections.defaultdict(lambda: [0, 0])
    for ti, t in enumerate(texts):
        text = t.text
        for a, lo, rhs_end, status in _arith_anchors(text, claims_of[ti]):
            best = None
            if isinstance(status, tuple):
                status, best = status
            found[status] += 1
            by_model[t.model][0 if status == "checked" else 1] += 1
            if status == "checked":
                continue
            tags = gap_tags(text, lo, a, rhs_end, status)
            for tg in tags:
                by_tag[(status, tg)] += 1
            ex = f"[{t.model}] {short(text[max(lo, a - 70):rhs_end], 150)}"
            by_primary[(status, tags[0] if tags[0] != "cjk-nearby" or len(tags) == 1 else tags[1])].append(ex)
            if status == "unchecked":
                unchecked_reasons[best.reason or "?"] += 1
                if len(unchecked_ex[best.reason or "?"]) < args.examples:
                    unchecked_ex[best.reason or "?"].append(
                        f"[{t.model}] `{best.lhs} {best.relation} {best.rhs}`  "
                        f"in: {short(text[max(0, best.start - 40):best.end + 20], 150)}")
    tot = sum(found.values())
    print(f"arithmetic-looking anchors: {tot:,}; a checked claim covers {found['checked']:,} "
          f"({100 * found['checked'] / max(1, tot):.1f}%); only unchecked: {found['unchecked']:,}; "
          f"no claim: {found['none']:,}")
    print("\nby model: share of arithmetic-looking anchors without a checked claim")
    for m, (ok, miss) in sorted(by_model.items(), key=lambda kv: -kv[1][1] / max(1, sum(kv[1]))):
        print(f"  {100 * miss / max(1, ok + miss):5.1f}%  {miss:>5}/{ok + miss:<6} {m}")
    print("\nunchecked claims on those anchors, by reason:")
    for rsn, n in unchecked_reasons.most_common():
        print(f"  {n:>5}  {rsn}")
        for e in unchecked_ex[rsn]:
            print(f"         {e}")
    print("\ntags (multi-label) of the gaps:")
    for (st, tg), n in sorted(by_tag.items(), key=lambda kv: (kv[0][0], -kv[1])):
        print(f"  {st:<9} {tg:<26} {n:>6}")
    print("\nexamples by first tag (status, tag): count")
    rng = random.Random(7)
    for key, exs in sorted(by_primary.items(), key=lambda kv: -len(kv[1])):
        print(f"  {key}: {len(exs)}")
        for e in rng.sample(exs, min(args.examples, len(exs))):
            print(f"      {e}")


# Patterns seen in the gaps, each probed on every arithmetic-looking anchor that has no
# checked claim (window: the anchor's line, 60 characters to the left, the right side).
PROBES = [
    ("label in parentheses between terms: `80 (initial) + 60 (bought) =`",
     lambda lhs, rhs: re.search(r"\d[^\S\n]*(?:[A-Za-z]+[^\S\n]*)?\\?[ ]?\((?:\\text\{)?"
                                r"[A-Za-z][^()=\d]{0,40}\)[^\S\n]*"
                                r"(?:[-+*/×÷−]|\\times|\\cdot|\\div|\\?\$|\d)", lhs) is not None),
    ("remark in parentheses right before `=`: `$165 * 0.20 (20%) =`",
     lambda lhs, rhs: re.search(r"\d[^\S\n]*\([^()\n]{1,30}\)[^\S\n]*$", lhs) is not None),
    ("expression in parentheses after prose: `64 minutes (4 miles * 16 =`",
     lambda lhs, rhs: re.search(r"[A-Za-z]{2,}[^\S\n]*\([^()\n]*\d[^()\n]*(?:[-+*/×÷]|\\times)[^()\n]*$",
                                lhs) is not None),
    ("`each` / `apiece` / `per X` after the last term",
     lambda lhs, rhs: re.search(r"\d[^\S\n]*(?:[A-Za-z]+[^\S\n]+){0,2}"
                                r"(?:each|apiece|per[^\S\n]+[A-Za-z]+)[^\S\n]*$", lhs) is not None),
    ("cent sign `¢`", lambda lhs, rhs: "¢" in lhs + rhs),
    ("tuple / coordinates: `(-2 + 12, 2) = (10, 2)`",
     lambda lhs, rhs: re.match(r"[^\S\n]*(?:\\left)?\(\s*[-−]?\d[^()]*,", rhs) is not None),
    ("CJK text next to the numbers", lambda lhs, rhs: _CJK.search(lhs[-25:] + rhs) is not None),
    ("prose glued to a number: `so4.8^2=`",
     lambda lhs, rhs: re.search(r"\b(?:so|is|thus|then|gives|and|get|we|be|was|equals|total|adding|plus|"
                                r"minus|times|of|to|at|by)\d", lhs[-30:]) is not None),
    ("label with a colon: `Day 16:39 -9=`, `adding53:259+53=`",
     lambda lhs, rhs: re.search(r"(?:[A-Za-z]|\d)\s?:\d[^=]*(?:[-+*/×÷])", lhs[-30:]) is not None),
    ("unicode π or a bare `pi`", lambda lhs, rhs: re.search(r"π|\bpi\b", lhs[-40:] + rhs) is not None),
    ("inline math closed before `=`: `\\( 20\\% \\times 80 \\) emails/day =`",
     lambda lhs, rhs: re.search(r"\\\)[^\\]*$", lhs) is not None or rhs.lstrip().startswith("\\(")),
    ("`\\text{...}` or `\\mathrm{...}` in the left side",
     lambda lhs, rhs: re.search(r"\\(?:text|mathrm)\{", lhs) is not None),
    ("en/em dash between numbers: `50 – 16`",
     lambda lhs, rhs: re.search(r"\d[^\S\n]*[–—][^\S\n]*\d", lhs) is not None),
    ("factorial or binomial", lambda lhs, rhs: re.search(r"\d!|\\binom|\\choose|\bC\(\d", lhs) is not None),
    ("display math `\\[`/`$$` / align `&=`",
     lambda lhs, rhs: re.search(r"\\\[|\$\$|&\s*$", lhs) is not None),
]


def _probe(texts, claims_of, args):
    print("\n== 3b. Probes: known patterns among arithmetic-looking anchors (count without a "
          "checked claim / count with one) ==")
    cnt = collections.defaultdict(lambda: [0, 0])
    ex = collections.defaultdict(list)
    rng = random.Random(11)
    for ti, t in enumerate(texts):
        for a, lo, r_end, status in _arith_anchors(t.text, claims_of[ti]):
            if isinstance(status, tuple):
                status = status[0]
            lhs, rhs = t.text[lo:a], t.text[a + (1 if t.text[a] in "=≈" else 7):r_end]
            for name, fn in PROBES:
                if fn(lhs, rhs):
                    cnt[name][0 if status != "checked" else 1] += 1
                    if status != "checked":
                        ex[name].append(f"[{t.model}] {short(t.text[max(lo, a - 70):r_end], 150)}")
    for name, _ in PROBES:
        miss, hit = cnt[name]
        print(f"  {miss:>6} / {hit:<6} {name}")
        for e in rng.sample(ex[name], min(args.examples, len(ex[name]))):
            print(f"            {e}")


def _arith_anchors(text, cl):
    """(anchor, left window start, right window end, status) of every arithmetic-looking
    anchor; status: ``checked`` / ``unchecked`` (only an unchecked claim covers it) / ``none``."""
    starts = [c.start for c in cl]
    for m in _ANCH.finditer(text):
        a = m.start()
        r = _RHS_LOOK.match(text, m.end())
        if not r:
            continue
        line_start = text.rfind("\n", 0, a) + 1
        lo = max(line_start, a - 60)
        lhs = text[lo:a]
        sub = lhs[-45:]
        if not (_LHS_LOOK.search(sub) or _LHS_LOOK2.search(sub)):
            continue
        if re.search(r"[=<>]", lhs[-12:]):
            continue  # part of a chain whose previous anchor decides
        status, best = "none", None
        i = bisect.bisect_right(starts, a)
        for c in cl[max(0, i - 8):i]:
            if c.start <= a < c.end:
                if c.status in ("ok", "wrong"):
                    status = "checked"
                    break
                best = c
        else:
            if best is not None:
                status = "unchecked"
        rhs_end = min(len(text), r.end() + 12)
        nl = text.find("\n", r.end())
        if nl != -1:
            rhs_end = min(rhs_end, nl)
        yield a, lo, rhs_end, status if status != "unchecked" else ("unchecked", best)


# --------------------------------------------------------------------------------------------
# 4. lenient acceptances

def lenient(texts, claims_of, args):
    print("\n== 4. `ok` claims accepted through a tolerance or another reading (real data) ==")
    by = collections.defaultdict(list)
    for ti, t in enumerate(texts):
        for c in claims_of[ti]:
            if c.status != "ok" or not c.reason:
                continue
            key = c.reason
            rhs = c.rhs.strip()
            if c.reason == "rounded" and re.fullmatch(r"[-−]?\$?\d[\d,]*", rhs) and \
                    re.search(r"sqrt|√|\\sqrt|π|\\pi|\^|\*\*", c.lhs):
                key = "rounded: root/power/pi left side, integer right side"
            elif c.reason == "alternative-reading" and re.search(r"\d\s*(?:\\sqrt|√|sqrt|\\pi|π)", rhs):
                key = "alternative-reading: `k√n` right side read as `k`"
            elif c.reason == "approx" and re.fullmatch(r"[-−]?\$?\d*[1-9]0+", rhs.replace(",", "")):
                key = "approx: right side a round number (10, 100, 30, 1500)"
            by[key].append(f"[{t.model}] `{c.lhs} {c.relation} {c.rhs}`")
    rng = random.Random(13)
    for key, exs in sorted(by.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(exs):>6}  {key}")
        for e in rng.sample(exs, min(args.examples, len(exs))):
            print(f"            {short(e, 150)}")


# --------------------------------------------------------------------------------------------
# 5. NUM001 findings that match a known misreading

def _near_integer(c) -> bool:
    try:
        claimed = Fraction(c.rhs.replace(",", "").replace("$", "").strip())
    except (ValueError, ZeroDivisionError):
        return False
    exp = c.expected.split(" (≈")[0] if c.expected else ""
    try:
        val = Fraction(exp)
    except (ValueError, ZeroDivisionError):
        return False
    return claimed.denominator == 1 and abs(val - claimed) < Fraction(1, 2)


MISREADINGS = [
    ("en dash / non-breaking hyphen / em dash right before the claim (`–8 + 16 – 8`, `under‑16`)",
     lambda t, c: re.search(r"[–‑—]\s*$", t[max(0, c.start - 2):c.start]) is not None),
    ("`0.30(100)` read as a repeating decimal", lambda t, c: re.search(r"\d\.\d+\(\d+\)", c.lhs) is not None),
    ("a label word right before the claim (`Age 10 - 200`, `Stop 3: -80 people`)",
     lambda t, c: re.search(r"\b(?:[Aa]ge|[Ss]top|[Dd]ay|[Ss]tep|[Ww]eek|[Yy]ear|[Mm]onth|[Rr]ound|[Ll]evel|"
                            r"[Gg]rade|[Rr]oom|[Pp]art|[Cc]ase|[Gg]roup|[Tt]eam|[Pp]layer)[\s:]*[-−]?$",
                            t[max(0, c.start - 12):c.start]) is not None),
    ("two prose words inside the left side (`150% of regular rate`)",
     lambda t, c: re.search(r"(?<!\\)\b[A-Za-z]{3,}\s+[A-Za-z]{3,}\b",
                            re.sub(r"\\[A-Za-z]+\{[^}]*\}", " ", c.lhs)) is not None),
    ("inline math closed and reopened before the claim (`\\( 10\\% \\) of \\( 50.00 = ...`)",
     lambda t, c: re.search(r"\\\)[^\\]{1,25}\\\(\s*$", t[max(0, c.start - 40):c.start]) is not None),
    ("integer result within 1/2 of the value (`450 / 41 = 11`: an unannounced rounding)",
     lambda t, c: _near_integer(c)),
]


def misreadings(texts, claims_of, args):
    print("\n== 5. NUM001 findings (unmodified traces) matching a known misreading ==")
    total = 0
    hits = collections.defaultdict(list)
    for ti, t in enumerate(texts):
        for c in claims_of[ti]:
            if c.status != "wrong":
                continue
            total += 1
            for name, fn in MISREADINGS:
                if fn(t.text, c):
                    hits[name].append(f"[{t.model}] {short(t.text[max(0, c.start - 40):c.end + 20], 150)}")
    rng = random.Random(17)
    for name, _ in MISREADINGS:
        exs = hits[name]
        print(f"  {len(exs):>5} / {total}  {name}")
        for e in rng.sample(exs, min(args.examples, len(exs))):
            print(f"            {e}")


# --------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--per-model", type=int, default=250)
    ap.add_argument("--per-format", type=int, default=400)
    ap.add_argument("--examples", type=int, default=4)
    ap.add_argument("--precision-n", type=int, default=100)
    ap.add_argument("--precision-out", default="")
    ap.add_argument("--max-records", type=int, default=0)
    ap.add_argument("--only", default="mutation,precision,gaps,lenient,misreadings")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    texts = load(args.max_records)
    t0 = time.process_time()
    sc = ClaimScanner(LIMITS)
    claims_of = [scan_claims(t.text, LIMITS, sc) for t in texts]
    cpu = time.process_time() - t0
    st = collections.Counter(c.status for cl in claims_of for c in cl)
    print(f"{len(texts):,} texts ({sum(len(t.text) for t in texts) / 1e6:.1f} MB) from {JSONL} "
          f"and {MR}; claims: {dict(st)} ({cpu:.1f} s CPU)")
    if "mutation" in only:
        mutation_recall(texts, claims_of, args, random.Random(args.seed))
    if "precision" in only:
        precision_sample(texts, claims_of, args, random.Random(args.seed + 1))
    if "gaps" in only:
        extraction_gaps(texts, claims_of, args)
        _probe(texts, claims_of, args)
    if "lenient" in only:
        lenient(texts, claims_of, args)
    if "misreadings" in only:
        misreadings(texts, claims_of, args)


if __name__ == "__main__":
    main()
