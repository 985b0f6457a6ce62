"""Claims only as true as the account: a line that speaks of lawyers or legal action, of
stopping supply, or of a final letter must sit under a condition on the account's fact
that supports it (`{% if legal_referred %}…{% endif %}`, `{{ '…' if supply_stopped else
'…' }}`). Found in the template's own words, in both languages, before it is ever read
to a debtor (lint code E054); and, since words can be put together, in what each template
prints on an account without the fact (core/preflight.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TypeVar

from jinja2 import nodes

from callassist.core.quickfind import heard_as

# Each fact, and the words that claim it, as spoken() leaves them (lower case,
# half-width, simplified Chinese). Word boundaries keep "courteous" and "issue" out.
CLAIMS = {
    "legal_referred": re.compile(
        r"\b(lawyers?|attorneys?|solicitors?|law ?firms?|legal (department|team|action|steps|proceedings|measures|route|remedies)|lawsuits?|sue[ds]?|suing"
        r"|courts?|litigation|litigate|judgm?ents?|bailiffs?)\b"
        r"|律师|法务|起诉|诉讼|法院|仲裁|法律程序|法律途径|法律手段|打官司|告你|告到|上法庭",
        re.IGNORECASE,
    ),
    "supply_stopped": re.compile(
        r"\b(suppl(y|ies)|(stop|suspend|halt|hold|cut|end|no longer)\w*\s+(\w+\s+){0,3}(deliver\w*|shipments?|shipping|orders?|goods))\b"
        r"|供货|停货|断货|停止发货|暂停发货|不再发货|停止给您发货|不给您发货|不再供应",
        re.IGNORECASE,
    ),
    "final_letter_sent": re.compile(
        r"\b(final (letter|notice|demand|warning|reminder)|last (notice|warning)|formal (written )?notice|letter before action|demand letter)\b"
        r"|最后通知|最后一次通知|最终通知|最后通牒|催告函|律师函|正式的书面通知|正式书面通知|最后警告",
        re.IGNORECASE,
    ),
}


def spoken(text: str) -> str:
    """Text as it would be heard: full-width letters and traditional characters as their
    plain forms, invisible characters gone, any run of spaces and line breaks one space."""
    return " ".join(heard_as(text)[0].casefold().split())


def claims_in(text: str) -> list[tuple[str, str]]:
    """(fact, words) for each fact the text claims."""
    heard = spoken(text)
    return [(fact, found.group(0)) for fact, words in CLAIMS.items() if (found := words.search(heard))]


def unsupported_claims(tree: nodes.Template) -> Iterator[tuple[int, str, str]]:
    """(line, fact, words) for each claim in a template's text or string constants that
    no enclosing condition on its fact guards."""
    yield from _walk(tree, frozenset())


def _line_within(text: str, fact: str) -> int:
    """Lines after the text's first to where it claims `fact` (a claim split across a line
    break: the line it starts on)."""
    lines = text.split("\n")
    for width in (1, 2):
        for index in range(len(lines)):
            if CLAIMS[fact].search(spoken(" ".join(lines[index : index + width]))):
                return index
    return 0


_Found = TypeVar("_Found", bound=nodes.Node)


def _within(node: nodes.Node, kind: type[_Found]) -> list[_Found]:
    """`node` itself and every node under it of that kind."""
    return ([node] if isinstance(node, kind) else []) + list(node.find_all(kind))


def _guards(test: nodes.Node) -> frozenset[str]:
    """The facts a condition requires (a fact named under `not` guards nothing)."""
    negated = {id(name) for found in _within(test, nodes.Not) for name in _within(found, nodes.Name)}
    return frozenset(name.name for name in _within(test, nodes.Name) if name.name in CLAIMS and id(name) not in negated)


def _walk(node: nodes.Node, guarded: frozenset[str]) -> Iterator[tuple[int, str, str]]:
    if isinstance(node, nodes.If):
        yield from _walk(node.test, guarded)
        for child in node.body:
            yield from _walk(child, guarded | _guards(node.test))
        for branch in node.elif_:
            yield from _walk(branch, guarded)
        for child in node.else_:
            yield from _walk(child, guarded)
        return
    if isinstance(node, nodes.CondExpr):
        yield from _walk(node.test, guarded)
        yield from _walk(node.expr1, guarded | _guards(node.test))
        if node.expr2 is not None:
            yield from _walk(node.expr2, guarded)
        return
    text = node.data if isinstance(node, nodes.TemplateData) else node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None
    if text:
        for fact, words in claims_in(text):
            if fact not in guarded:
                yield node.lineno + _line_within(text, fact), fact, words
    for child in node.iter_child_nodes():
        yield from _walk(child, guarded)
