"""Makes jargon-chat.jsonl: question/answer conversations from the Jargon File lexicon
(Bundled/texts/jargon.txt, public domain): for each entry whose first paragraph is a short
definition, a user asks what the term means and the assistant answers with that paragraph.

    python3 Bundled/data/make_jargon_chat.py      (standard library only; deterministic)
"""
import json, os, re

here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "..", "texts", "jargon.txt"), encoding="utf-8").read()

def entries(text):
    """(term, first paragraph) for every ':term: pronunciation, part of speech' heading."""
    for match in re.finditer(r"^:([^:\n]+):[^\n]*\n\n(.+?)(?:\n\n|\Z)", text, re.S | re.M):
        term, paragraph = match.group(1).strip(), " ".join(match.group(2).split())
        yield term, paragraph

def clean(paragraph):
    # {term} marks a cross-reference in the lexicon: keep the words, drop the braces.
    paragraph = re.sub(r"\{([^}]*)\}", r"\1", paragraph)
    paragraph = re.sub(r"^\[[^\]]*\]\s*", "", paragraph)   # etymology notes in brackets
    return paragraph.strip()

questions = ["What does \"{}\" mean in hacker jargon?", "In the Jargon File, what is \"{}\"?", "Define the hacker term \"{}\"."]
lines = []
for index, (term, paragraph) in enumerate(entries(text)):
    answer = clean(paragraph)
    if not (40 <= len(answer) <= 400) or answer.startswith(("See ", "Syn.", "=")):
        continue
    question = questions[index % len(questions)].format(term)
    lines.append(json.dumps({"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]},
                            ensure_ascii=False))
with open(os.path.join(here, "jargon-chat.jsonl"), "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
print(len(lines), "conversations")
