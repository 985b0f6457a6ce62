"""`callassist graph`: a script's flow as a Mermaid or Graphviz diagram, in one locale.

Each choice is an arrow labelled with its key and words; the objection step is reached
from where excuses are allowed (keys 1-6). Steps that disclose the debt are shaded, and
final steps are drawn round.
"""

from __future__ import annotations

from callassist.core.flow import Flow
from callassist.core.i18n import label

FORMATS = ("mermaid", "dot")


def _edges(flow: Flow, locale: str) -> list[tuple[str, str, str]]:
    edges: list[tuple[str, str, str]] = []
    for transition in flow.transitions:
        for source in transition.sources:
            edges.append((source, transition.dest, f"{transition.key}: {transition.label.get(locale)}"))
    for source in flow.objections.allowed_from:
        edges.append((source, flow.objections.state, f"1-6: {label('graph_excuse', locale)}"))
    return edges


def mermaid(flow: Flow, locale: str) -> str:
    def quoted(text: str) -> str:
        return '"' + text.replace('"', "#quot;") + '"'

    lines = [f"---\ntitle: {quoted(flow.title.get(locale))}\n---", "flowchart TD"]
    for state, spec in flow.states.items():
        shape = ("([", "])") if spec.final else ("[", "]")
        lines.append(f"    {state}{shape[0]}{quoted(spec.label.get(locale))}{shape[1]}")
    for source, dest, words in _edges(flow, locale):
        lines.append(f"    {source} -->|{quoted(words)}| {dest}")
    debt = [state for state, spec in flow.states.items() if spec.discloses_debt]
    if debt:
        lines.append("    classDef debt fill:#fde8d8,stroke:#c0612b")
        lines.append(f"    class {','.join(debt)} debt")
    return "\n".join(lines) + "\n"


def dot(flow: Flow, locale: str) -> str:
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph {quoted(flow.name)} {{", f"    label={quoted(flow.title.get(locale))};", "    labelloc=t;", "    node [shape=box, style=rounded];"]
    for state, spec in flow.states.items():
        attributes = [f"label={quoted(spec.label.get(locale))}"]
        if spec.final:
            attributes.append("shape=ellipse")
        if spec.discloses_debt:
            attributes.append('style="rounded,filled", fillcolor="#fde8d8"')
        lines.append(f"    {state} [{', '.join(attributes)}];")
    for source, dest, words in _edges(flow, locale):
        lines.append(f"    {source} -> {dest} [label={quoted(words)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(flow: Flow, locale: str, fmt: str) -> str:
    return mermaid(flow, locale) if fmt == "mermaid" else dot(flow, locale)
