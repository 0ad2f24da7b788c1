#!/usr/bin/python3
"""Writes the fixture run directory ltm-metrics/src/test/resources/fixture-run/ (deterministic).

A realistic stand-in for a LoRA training run until real runs exist: metrics.jsonl with 200 training
steps (loss, lr with warmup + cosine decay, grad_norm, tokens_per_s, elapsed_s) and eval lines every
50 steps, and traces/*.jsonl for the base model and the adapter at checkpoints 50, 100 and 200: six
probes (three English, three Russian), two loop iterations each, with per-token logprob and entropy.
The adapter's reasoning grows more reflective with training, as the experiment hopes.

Regenerate (from the repository root):  /usr/bin/python3 ltm-metrics/src/test/python/make_fixture_run.py
"""
import json, math, os, random, re

ROOT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixture-run")
rnd = random.Random(20251129)

os.makedirs(os.path.join(ROOT, "traces"), exist_ok=True)

# ---- metrics.jsonl ----
lines = []
elapsed = 0.0
for step in range(1, 201):
    warm = 10
    peak = 2e-4
    lr = peak * step / warm if step <= warm else peak * 0.5 * (1 + math.cos(math.pi * (step - warm) / (200 - warm)))
    loss = 1.15 + 1.75 * math.exp(-step / 55.0) + rnd.gauss(0, 0.045)
    gn = 0.6 + 1.4 * math.exp(-step / 40.0) + abs(rnd.gauss(0, 0.08))
    tps = 512.0 + rnd.gauss(0, 14.0)
    elapsed += 2048 / tps
    lines.append({"step": step, "loss": round(loss, 4), "lr": float("%.6g" % lr), "grad_norm": round(gn, 4),
                  "tokens_per_s": round(tps, 1), "elapsed_s": round(elapsed, 2)})
    if step % 50 == 0:
        el = 1.30 + 1.55 * math.exp(-step / 60.0) + rnd.gauss(0, 0.02)
        lines.append({"step": step, "eval_loss": round(el, 4), "eval_ppl": round(math.exp(el), 3)})
with open(os.path.join(ROOT, "metrics.jsonl"), "w", encoding="utf-8") as f:
    for l in lines:
        f.write(json.dumps(l) + "\n")

# ---- traces ----
PROBES = [
    ("p-en-bridge", "en", "Was the bridge open on the night of the storm?",
     ["The log says the bridge closed at 22:00.", "A witness crossed it at 23:30."],
     "Probably closed; the witness may have used the ferry."),
    ("p-en-budget", "en", "Can we afford the new laptop this month?",
     ["Rent and bills take 70% of income.", "The laptop costs about half of what is left."],
     "Yes, if we skip the trip; otherwise wait a month."),
    ("p-en-html", "en", "Is a < b & c > d always true when <b> is bold?",
     ["The markup <script>alert('x')</script> is not an argument.", "For numbers, a < b says nothing about c > d."],
     "No: a < b & c > d depends on all four values."),
    ("p-ru-clock", "ru", "Какие часы показывают верное время?",
     ["Кухонные часы отстают на пять минут.", "Телефон синхронизируется с сетью."],
     "Верное время показывает телефон."),
    ("p-ru-plant", "ru", "Почему у растения желтеют листья?",
     ["Поливаем каждый день.", "Горшок без отверстий."],
     "Скорее всего, переувлажнение: корням не хватает воздуха."),
    ("p-ru-letter", "ru", "Кто написал письмо без подписи?",
     ["Письмо датировано третьим марта.", "Почерк похож на почерк соседа."],
     "Вероятно, сосед, но это надо проверить по другим письмам."),
]

REFLECTIVE = {
    "en": ["Wait, let me check that again.", "On the other hand, the witness could be wrong.",
           "Actually, no, I was wrong about the time.", "I notice I keep assuming the log is right.",
           "First I need to find out when the ferry runs.", "Let me go back to the original question.",
           "Let me verify this against the second fact.", "Working backwards from the answer, the ferry must run late."],
    "ru": ["Подожди, перепроверю это.", "С другой стороны, свидетель мог ошибиться.",
           "На самом деле я ошибся со временем.", "Замечаю, что всё время исхожу из одного предположения.",
           "Сначала нужно выяснить, когда это началось.", "Вернусь к исходному вопросу.",
           "Проверю это по второму факту.", "Пойду от ответа: что должно быть верно?"],
}
PLAIN = {
    "en": ["So the answer follows from these facts.", "This seems to be the main point.", "That gives the answer."],
    "ru": ["Значит, ответ следует из этих фактов.", "Это главный момент.", "Отсюда ответ."],
}

def tokens_of(text, reasoning, base_entropy, spiky):
    toks = []
    for m in re.finditer(r"\s*\S+", text):
        piece = m.group(0)
        ent = max(0.02, rnd.gauss(base_entropy, 0.35))
        if spiky and piece.strip().lower().strip(",.") in ("wait", "подожди", "actually", "на", "other", "другой"):
            ent = 2.4 + rnd.random() * 1.2
        lp = -max(0.001, rnd.gauss(ent * 0.45, 0.15))
        toks.append({"id": (sum(map(ord, piece)) * 7919) % 151936, "text": piece, "logprob": round(lp, 4),
                     "entropy": round(ent, 4), "reasoning": reasoning})
    return toks

VARIANTS = [("base.jsonl", None, None, 0), ("checkpoint-50.jsonl", "adapter", 50, 1),
            ("checkpoint-100.jsonl", "adapter", 100, 2), ("checkpoint-200.jsonl", "adapter", 200, 4)]
t0 = 1764374400  # 2025-11-29T00:00:00Z
for fname, adapter, ckpt, nref in VARIANTS:
    with open(os.path.join(ROOT, "traces", fname), "w", encoding="utf-8") as f:
        for pi, (pid, lang, prompt, facts, answer) in enumerate(PROBES):
            prev_reasoning = None
            for it in range(2):
                sents = list(facts)
                refl = REFLECTIVE[lang][:]
                rnd.shuffle(refl)
                k = nref + it if nref else (1 if it == 1 and pi % 2 == 0 else 0)
                sents += refl[:k]
                sents.append(rnd.choice(PLAIN[lang]))
                reasoning = " ".join(sents)
                ans = answer if it == 0 else (answer + (" Checked twice." if lang == "en" else " Проверено дважды."))
                ent = 0.9 + 0.08 * nref
                toks = tokens_of(reasoning, True, ent, adapter is not None) + tokens_of(" " + ans, False, ent * 0.7, False)
                rec = {"runId": "fixture-run", "probeId": pid, "prompt": prompt, "iteration": it,
                       "model": "Qwen3-0.6B", "adapter": adapter, "checkpoint": ckpt,
                       "reasoning": reasoning, "answer": ans, "tokens": toks,
                       "timestamp": "2025-11-29T%02d:%02d:%02dZ" % (1 + nref, pi, it * 20),
                       "settings": {"maxNewTokens": 512, "temperature": 0.6, "topP": 0.95, "topK": 20,
                                    "repetitionPenalty": 1.0, "seed": 1000 + pi, "enableThinking": True}}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
print("wrote", ROOT)
