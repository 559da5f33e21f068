"""Generate examples/traces.jsonl: synthetic reasoning traces covering what tracelint looks
for, deterministically (a fixed seed; same bytes on every run and platform).

    python examples/make_examples.py            # writes examples/traces.jsonl
    python examples/make_examples.py --check    # exit 1 if the file is out of date

The traces are written by this script, not taken from any model: four fictional models
answer the same word problems, with token counts, budgets, references and workloads, so
that ``tracelint score`` and ``tracelint report`` have something to show.  They include
loops of several shapes (verbatim, paraphrased, incrementing numbers, punctuation, a loop
that escapes), engaged long traces, concise answers, and the known false-positive shapes
(markdown tables, lists, option enumerations, code blocks, separators).
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

OUT = Path(__file__).with_name("traces.jsonl")
SEED = 20261127

ITEMS = ["pencils", "apples", "stickers", "marbles", "books", "cookies", "stamps", "beads"]
NAMES = ["Ana", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun"]


def make_task(rng: random.Random, k: int) -> dict:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    boxes, per, eaten = rng.randint(3, 19), rng.randint(4, 24), rng.randint(1, 9)
    total = boxes * per - eaten
    prompt = (f"{name} buys {boxes} boxes of {item}. Each box holds {per} {item}. "
              f"{name} gives away {eaten} {item}. How many {item} does {name} have left?")
    return {"task": f"t{k:02d}", "prompt": prompt, "boxes": boxes, "per": per, "eaten": eaten,
            "total": total, "item": item, "name": name,
            # work units: the operations a solution needs (a multiplication, a subtraction,
            # and for some tasks a unit conversion or a check)
            "workload": float(2 + k % 3)}


def concise(t: dict) -> str:
    return (f"{t['boxes']} boxes × {t['per']} {t['item']} = {t['boxes'] * t['per']} {t['item']}. "
            f"After giving away {t['eaten']}: {t['boxes'] * t['per']} - {t['eaten']} = {t['total']}.")


CHECKS = [
    "Let me verify the product another way: {b} × {p} = {b} × {pm} + {b} = {bpm} + {b} = {bp}.",
    "Splitting the boxes instead, the first {h} boxes hold {hp} and the other {bh} hold {bhp}, together {bp}.",
    "A rough estimate says about {b} times {pr} is near {est}, so {bp} is in the right range.",
    "Is the subtraction order right? Giving away happens after buying, so we subtract {e} from the full amount.",
    "Units check: boxes times {i} per box gives {i}, and subtracting {i} keeps the unit.",
    "Could the {e} have come out of a single box? It does not matter for the total, only for the boxes.",
    "Reading the question again, it asks for what is left, not for how many were given away.",
    "Counting up from the answer: {tot} plus the {e} given away is {bp}, which is {b} full boxes.",
    "If each box held one more item we would get {bp1}, so one fewer gift changes the answer by one only.",
    "Parity sanity check: {bp} is {par} and removing {e} gives an {par2} number, consistent with {tot}.",
    "Division check: {bp} divided by {p} gives back {b} boxes exactly, so nothing was miscounted.",
    "Nothing in the problem suggests broken or missing items, so no other adjustment is needed.",
]


WHAT_IFS = [
    "What if {n} had given away {e2} instead? Then {bp} - {e2} = {r2} would be left, {d} {dir} than {tot}.",
    "Suppose each box held {p2} {i}; the boxes would then hold {b} × {p2} = {bp2} in all.",
    "With {b2} boxes of {p} the total would be {b2p}, and after the gifts {b2pe} would remain.",
    "If a friend added {x} more {i}, the count would rise from {tot} to {totx}.",
    "Sharing the {tot} {i} equally among {k} friends gives {q} each with {rem} left over.",
]


def what_ifs(t: dict, rng: random.Random, count: int) -> str:
    """Exploration that keeps computing new things (each paragraph has new numbers)."""
    b, p, e, tot = t["boxes"], t["per"], t["eaten"], t["total"]
    out = []
    for _ in range(count):
        e2, p2, b2, x, k = (rng.randint(1, 40), rng.randint(2, 60), rng.randint(2, 50),
                            rng.randint(2, 90), rng.randint(2, 9))
        vals = dict(n=t["name"], i=t["item"], b=b, p=p, e=e, tot=tot, bp=b * p, e2=e2,
                    r2=b * p - e2, d=abs(e2 - e), dir="less" if e2 > e else "more",
                    p2=p2, bp2=b * p2, b2=b2, b2p=b2 * p, b2pe=b2 * p - e, x=x, totx=tot + x,
                    k=k, q=tot // k, rem=tot % k)
        out.append(rng.choice(WHAT_IFS).format(**vals))
    return "\n\n".join(out)


def engaged(t: dict, rng: random.Random) -> str:
    b, p, e, tot = t["boxes"], t["per"], t["eaten"], t["total"]
    bp = b * p
    h = max(1, b // 2)
    vals = dict(b=b, p=p, e=e, tot=tot, bp=bp, pm=p - 1, bpm=b * (p - 1), h=h, hp=h * p,
                bh=b - h, bhp=(b - h) * p, pr=round(p, -1) or 10, est=b * (round(p, -1) or 10),
                i=t["item"], bp1=b * (p + 1), par="even" if bp % 2 == 0 else "odd",
                par2="even" if tot % 2 == 0 else "odd")
    paras = [f"Okay, {t['name']} starts with {b} boxes of {p} {t['item']} each, so first I need "
             f"the total bought, then I remove what was given away.",
             f"Total bought: {b} × {p} = {bp}. Then {bp} - {e} = {tot}."]
    order = list(range(len(CHECKS)))
    rng.shuffle(order)
    for k in order:
        paras.append("Wait, " + CHECKS[k].format(**vals)[0].lower() + CHECKS[k].format(**vals)[1:])
    # long derivation-like detail: a running table of partial sums, each line new
    rows = [f"After box {k}: {k * p} {t['item']} in total so far." for k in range(1, b + 1)]
    paras.append("Let me also track the running total box by box to be thorough.\n" + "\n".join(rows))
    paras.append(f"Everything agrees, so {t['name']} has {tot} {t['item']} left.")
    return "\n\n".join(paras)


def loop_verbatim(t: dict, times: int) -> str:
    block = (f"Wait, maybe the boxes are not all full. If one box is missing some {t['item']}, "
             f"the total would be less than {t['boxes'] * t['per']}. But the problem says each box "
             f"holds {t['per']}. So the total is {t['boxes'] * t['per']}.")
    return concise(t) + "\n\n" + "\n\n".join([block] * times)


def loop_paraphrase(t: dict, rng: random.Random, times: int) -> str:
    doubts = [
        "Hmm, but maybe {n} gave away {e} boxes rather than {e} {i}, which would change everything.",
        "Alternatively, perhaps the {e} means boxes and not single {i}, and then the answer changes.",
        "Wait, maybe the {e} refers to whole boxes instead of {i}, so I should reconsider.",
        "But what if {n} handed out {e} boxes, not {e} {i}? That would change the result.",
    ]
    closers = ["No, the problem says {i}.", "I think it says {i}, though.",
               "The wording suggests {i}.", "Probably it is {i}, but let me think again."]
    vals = dict(n=t["name"], e=t["eaten"], i=t["item"])
    parts = [concise(t)]
    for k in range(times):
        parts.append(rng.choice(doubts).format(**vals) + " " + rng.choice(closers).format(**vals))
    return "\n\n".join(parts)


def loop_increment(t: dict, times: int) -> str:
    lines = [f"Step {k}: the total is still {t['total']} {t['item']}, so I check it once more."
             for k in range(1, times + 1)]
    return concise(t) + "\n" + "\n".join(lines)


def loop_escapes(t: dict) -> str:
    body = loop_verbatim(t, 25)
    return body + f"\n\nOkay, I am going around in circles. The boxes are full, so the answer is {t['total']}."


def table_trace(t: dict) -> str:
    rows = "\n".join(f"| {k} | {k * t['per']} | {max(k * t['per'] - t['eaten'], 0)} |"
                     for k in range(1, t["boxes"] + 1))
    return (f"I will tabulate the totals.\n\n| boxes | {t['item']} | after gifts |\n|---|---|---|\n"
            f"{rows}\n\nThe last row gives {t['total']}.")


def options_trace(t: dict) -> str:
    opts = [("A", t["total"] + 2), ("B", t["total"]), ("C", t["boxes"] * t["per"]), ("D", t["eaten"])]
    lines = [f"Option {l}: {v} — " + ("this matches our computation." if v == t["total"] else
                                        "this does not match.") for l, v in opts]
    return concise(t) + "\n\n" + "\n".join(lines) + "\n\nSo the answer is option B."


def code_trace(t: dict) -> str:
    code = "\n".join(f"total += {t['per']}  # box {k}" for k in range(1, t["boxes"] + 1))
    return (f"Let me simulate it in code.\n\n```python\ntotal = 0\n{code}\ntotal -= {t['eaten']}\n"
            f"print(total)\n```\n\nThis prints {t['total']}.\n\n----------\n\nDone.")


def list_trace(t: dict) -> str:
    return (f"Plan:\n1. Count the boxes: {t['boxes']}.\n2. Multiply by {t['per']} per box: "
            f"{t['boxes'] * t['per']}.\n3. Subtract the {t['eaten']} given away: {t['total']}.\n"
            f"4. Check the units: {t['item']}.\n\nResult... {t['total']}.")


def copy_trace(t: dict) -> str:
    return "\n\n".join([f"The problem says: {t['prompt']}"] * 3) + f"\n\nSo: {concise(t)}"


def wrong_arith(t: dict) -> str:
    bp = t["boxes"] * t["per"]
    return (f"{t['boxes']} × {t['per']} = {bp + 10} {t['item']}. "
            f"Then {bp + 10} - {t['eaten']} = {bp + 10 - t['eaten']}.")


def punct_loop(t: dict) -> str:
    return concise(t) + " Really?" + "?!" * 300


def estimate(text: str) -> int:
    return (len(text) + 3) // 4


def build() -> list:
    rng = random.Random(SEED)
    tasks = [make_task(rng, k) for k in range(12)]
    models = {
        # name: (price tier, budget)
        "alpha-r1": 8192, "beta-chat": 1024, "gamma-think": 8192, "delta-mini": 2048,
    }
    records = []

    def add(model: str, t: dict, reasoning: str, answer, style: str, finish="stop",
            closed=True, sample=0):
        budget = models[model]
        out_tokens = estimate(reasoning) + estimate(answer or "")
        if finish == "length":
            out_tokens = budget
        else:
            out_tokens = min(out_tokens, budget - 1)
        response = "<think>" + reasoning + ("</think>" + (answer or "") if closed else "")
        rec = {
            "id": f"{model}/{t['task']}/{style}/{sample}",
            "model": model, "task": t["task"], "sample": sample,
            "prompt": t["prompt"], "response": response,
            "reference": str(t["total"]), "finish_reason": finish,
            "output_tokens": out_tokens, "input_tokens": estimate(t["prompt"]),
            "budget": budget, "workload": t["workload"], "style": style,
        }
        records.append(rec)

    for k, t in enumerate(tasks):
        ans = f"The answer is {t['total']}."
        add("beta-chat", t, concise(t), ans, "concise")
        add("gamma-think", t, engaged(t, rng) + "\n\nLet me explore a few variations to be sure "
            "I understand the structure.\n\n" + what_ifs(t, rng, 90)
            + f"\n\nBack to the question as asked: {t['total']}.", ans, "engaged")
        if k % 4 == 0:
            add("alpha-r1", t, loop_verbatim(t, 60), None, "loop-verbatim", finish="length", closed=False)
        elif k % 4 == 1:
            add("alpha-r1", t, loop_paraphrase(t, rng, 70), None, "loop-paraphrase", finish="length", closed=False)
        elif k % 4 == 2:
            add("alpha-r1", t, loop_escapes(t), ans, "loop-escapes")
        else:
            add("alpha-r1", t, engaged(t, rng), ans, "engaged")
        shape = k % 6
        if shape == 0:
            add("delta-mini", t, table_trace(t), ans, "table")
        elif shape == 1:
            add("delta-mini", t, options_trace(t), "B", "options")
        elif shape == 2:
            add("delta-mini", t, code_trace(t), ans, "code")
        elif shape == 3:
            add("delta-mini", t, list_trace(t), ans, "list")
        elif shape == 4:
            add("delta-mini", t, copy_trace(t), ans, "prompt-copy")
        else:
            add("delta-mini", t, wrong_arith(t), f"The answer is {t['boxes'] * t['per'] + 10 - t['eaten']}.",
                "wrong-arithmetic")
    # a few extra shapes on the first tasks
    add("delta-mini", tasks[0], loop_increment(tasks[0], 150), None, "loop-increment", finish="length", closed=False)
    add("delta-mini", tasks[1], punct_loop(tasks[1]), None, "loop-punctuation", finish="length", closed=False)
    add("beta-chat", tasks[2], concise(tasks[2])[:40], None, "cut-mid-sentence", finish="length", closed=False)
    # several samples of one task for the self-consistency figures
    for s in range(1, 4):
        add("beta-chat", tasks[3], concise(tasks[3]), f"The answer is {tasks[3]['total']}.", "concise", sample=s)
    return records


def render(records: list) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    data = render(build())
    if "--check" in argv:
        if not OUT.exists() or OUT.read_bytes() != data:
            print(f"{OUT} is out of date: run python examples/make_examples.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
