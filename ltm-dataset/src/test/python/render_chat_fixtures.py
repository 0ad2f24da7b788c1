#!/usr/bin/python3
"""Renders reference ChatML strings with the Qwen3 chat template, exactly as transformers does.

The Java renderer io.ltm.dataset.chat.Qwen3ChatRenderer must reproduce these strings byte for byte
(Qwen3ChatRendererFixtureTest). The template is read from the committed tokenizer_config.json; the
Jinja2 environment is the one transformers builds in apply_chat_template:
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with a `tojson` filter and a
`raise_exception` global.

Message convention (the renderer's contract): an assistant message carries the key
`reasoning_content` only when its reasoning is non-empty; an empty reasoning means the key is absent.

Regenerate (Debian's python3 with python3-jinja2, not pyenv's python3), from the repository root:

    /usr/bin/python3 ltm-dataset/src/test/python/render_chat_fixtures.py

It rewrites ltm-dataset/src/test/resources/chat/qwen3_chat_fixtures.json: the SHA-256 of the template
it rendered with (the Java test checks the committed tokenizer_config.json still has that template)
and one case per conversation: messages, add_generation_prompt, enable_thinking (when set), expected.
"""
import hashlib
import json
import os

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
CONFIG = os.path.join(ROOT, "examples", "tokenizer", "qwen3", "tokenizer_config.json")
OUT = os.path.join(ROOT, "ltm-dataset", "src", "test", "resources", "chat", "qwen3_chat_fixtures.json")


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def sys_(c):
    return {"role": "system", "content": c}


def user(c):
    return {"role": "user", "content": c}


def asst(c, r=""):
    m = {"role": "assistant", "content": c}
    if r:
        m["reasoning_content"] = r
    return m


RU_CONTEXT = "Я третью неделю откладываю первый запуск LoRA.\nКаждый раз нахожу новую причину."
RU_PROMPT = "Почему я откладываю запуск и что сделать сегодня?"
RU_THOUGHT = "Замечаю: причины меняются, а откладывание остаётся.\n\nНапряжение: хочу идеальный датасет, но без запуска не узнаю, что в нём плохо."
RU_ANSWER = "Запустить сегодня на 20 сценах, без идеала.\nЗаписать, что сломалось."

CASES = [
    ("single_turn_training", [user("What is 2+2?"), asst("4", "2 plus 2.\n\nIt is 4.")], {}),
    ("system_single_turn_training",
     [sys_("You think aloud before answering."), user("Context line.\n\nWhy postpone the first LoRA run?"),
      asst("Because the dataset feels unfinished.\nRun it anyway.", "Observe: the reasons change.\n\n[tension] I want it perfect, but only a run shows what is wrong.")], {}),
    ("russian_multiline", [sys_("Думай вслух."), user(RU_CONTEXT + "\n\n" + RU_PROMPT), asst(RU_ANSWER, RU_THOUGHT)], {}),
    ("empty_context_prompt_only", [user("Only a prompt, no context."), asst("Answer.", "Step one.")], {}),
    ("empty_reasoning_last_turn", [user("Hi"), asst("Hello")], {}),
    ("multi_turn_training",
     [sys_("sys"), user("first question"), asst("first answer", "first thought"),
      user("second question"), asst("second answer", "second thought")], {}),
    ("multi_turn_past_without_reasoning",
     [user("q1"), asst("a1"), user("q2"), asst("a2", "t2")], {}),
    ("two_assistants_after_last_user",
     [user("q"), asst("a1", "t1"), asst("a2", "t2"), asst("a3"), asst("a4", "t4")], {}),
    ("middle_assistant_without_reasoning_after_user",
     [user("q"), asst("a1"), asst("a2", "t2")], {}),
    ("newlines_stripped",
     [user("\nq with newlines\n"), asst("\n\nanswer after newlines\n", "\n\nthought with newlines\n\n")], {}),
    ("spaces_kept", [user("  q  "), asst("  a  ", "  t  ")], {}),
    ("think_in_content_no_reasoning",
     [user("q"), asst("<think>\ninline thought\n</think>\n\ninline answer")], {}),
    ("think_close_only_in_content", [user("q"), asst("pre</think>post</think>\nlast")], {}),
    ("second_system_message", [sys_("first system"), user("q"), sys_("second system"), asst("a", "t")], {}),
    ("no_user_message", [sys_("s"), asst("a", "t")], {}),
    ("only_assistant", [asst("a", "t")], {}),
    ("tool_response_shaped_user",
     [user("real question"), asst("a1", "t1"), user("<tool_response>\nresult\n</tool_response>"), asst("a2", "t2")], {}),
    ("emoji_and_unicode", [user("Mood 😀 and 中文 and café"), asst("Ответ 🚀", "Мысль 🤔\n\nвторая")], {}),
    ("prompt_generation", [sys_("You think aloud."), user("Why postpone?")], {"add_generation_prompt": True}),
    ("prompt_generation_no_system", [user(RU_PROMPT)], {"add_generation_prompt": True}),
    ("prompt_generation_thinking_false", [sys_("s"), user("q")], {"add_generation_prompt": True, "enable_thinking": False}),
    ("prompt_generation_thinking_true", [user("q")], {"add_generation_prompt": True, "enable_thinking": True}),
    ("prompt_generation_multi_turn",
     [user("q1"), asst("a1", "t1"), user("q2")], {"add_generation_prompt": True}),
    ("prompt_generation_multi_turn_thinking_false",
     [sys_("s"), user("q1"), asst("a1", "t1"), user("q2")], {"add_generation_prompt": True, "enable_thinking": False}),
    ("training_thinking_false", [user("q"), asst("a", "t")], {"enable_thinking": False}),
    ("training_multi_turn_thinking_false",
     [user("q1"), asst("a1", "t1"), user("q2"), asst("a2", "t2")], {"enable_thinking": False}),
]


def main():
    with open(CONFIG, encoding="utf-8") as f:
        template_src = json.load(f)["chat_template"]
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    template = env.from_string(template_src)
    out = []
    for name, messages, opts in CASES:
        kwargs = dict(opts)
        text = template.render(messages=messages, add_generation_prompt=kwargs.pop("add_generation_prompt", False), **kwargs)
        case = {"name": name, "messages": messages, "add_generation_prompt": opts.get("add_generation_prompt", False)}
        if "enable_thinking" in opts:
            case["enable_thinking"] = opts["enable_thinking"]
        case["expected"] = text
        out.append(case)
    doc = {
        "template_sha256": hashlib.sha256(template_src.encode("utf-8")).hexdigest(),
        "generator": "ltm-dataset/src/test/python/render_chat_fixtures.py",
        "cases": out,
    }
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, OUT)
    print("wrote %d cases to %s" % (len(out), OUT))


if __name__ == "__main__":
    main()
