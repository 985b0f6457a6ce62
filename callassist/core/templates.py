"""Render a script's step templates and rebuttals in a sandbox with strict variables.

A trainer's template can neither reach Python objects (ImmutableSandboxedEnvironment)
nor silently print nothing for a misspelt variable (StrictUndefined): both become a
ContentError naming the file and line.
"""

from __future__ import annotations

import difflib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from callassist.core.context import CallContext, template_variables
from callassist.core.problems import ContentError, Problem, display_path

if TYPE_CHECKING:
    from callassist.core.flow import LoadedFlow


def make_environment(loader: jinja2.BaseLoader | None = None) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # A template is read once: a call keeps the words it started with, and no
        # keystroke pays for a stat of the file.
        auto_reload=False,
    )


def _error_line(exc: BaseException, filename: str | None) -> int:
    line = getattr(exc, "lineno", None)
    if line:
        return line
    found = 1
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if filename and frame.f_code.co_filename == filename:
            found = lineno
    return found


def render_error(exc: Exception, shown_path: str, filename: str | None, line_offset: int = 0) -> ContentError:
    """Turn a Jinja failure into a ContentError at the template's file and line."""
    line = _error_line(exc, filename) + line_offset
    if isinstance(exc, jinja2.UndefinedError):
        problem = Problem(shown_path, line, 1, "E030", f"template variable: {exc.message}", "see CallContext for the names a template may use")
    elif isinstance(exc, jinja2.TemplateAssertionError):
        problem = Problem(shown_path, line, 1, "E031", f"template syntax: {exc.message}", "use the filters and tests Jinja provides")
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        problem = Problem(shown_path, line, 1, "E031", f"template syntax: {exc.message}", "check {{ }} and {% %} pairs")
    elif isinstance(exc, SecurityError):
        problem = Problem(shown_path, line, 1, "E032", f"not allowed in a template: {exc}", "templates may only read the call's values")
    else:
        problem = Problem(shown_path, line, 1, "E033", f"template failed: {exc}")
    return ContentError([problem])


def missing_template(path: Path) -> Problem:
    return Problem(display_path(path), 1, 1, "E034", "template file is missing", "every state needs a template in every locale")


@dataclass
class TemplateReport:
    problems: list[Problem] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # the call's values it reads


def inspect_template(env: jinja2.Environment, source: str, shown: str, line_offset: int = 0) -> TemplateReport:
    """Check a template without running it: syntax, names outside CallContext, and
    reaching for Python internals (which the sandbox would refuse on a live call)."""
    report = TemplateReport()

    def add(node: nodes.Node, code: str, message: str, hint: str) -> None:
        report.problems.append(Problem(shown, node.lineno + line_offset, 1, code, message, hint))

    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        report.problems.extend(render_error(exc, shown, None, line_offset).problems)
        return report
    try:
        env.compile(source)  # unknown filters and tests are found here, not by the parser
    except jinja2.TemplateSyntaxError as exc:
        report.problems.extend(render_error(exc, shown, None, line_offset).problems)
    variables = template_variables()
    own = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")} | {"loop"}
    for node in tree.find_all(nodes.Name):
        if node.ctx != "load" or node.name in own:
            continue
        if node.name in variables:
            report.names.add(node.name)
        else:
            close = difflib.get_close_matches(node.name, sorted(variables), n=1)
            add(node, "E030", f"template variable {node.name!r} is not a value of the call", f"did you mean {close[0]!r}?" if close else "see CallContext for the names a template may use")
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            reached = node.attr
        elif isinstance(node, nodes.Getitem):
            reached = node.arg.value if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) else ""
        else:
            reached = "|attr" if node.name == "attr" else ""
        if reached.startswith(("_", "|")):
            add(node, "E032", f"not allowed in a template: {reached!r}", "templates may only read the call's values")
    return report


class _Sources(jinja2.BaseLoader):
    """Templates from memory, each compiled under its file's path (for error lines)."""

    def __init__(self, sources: dict[str, str], directory: Path) -> None:
        self.sources = sources
        self.directory = directory

    def get_source(self, environment, template: str):
        if template not in self.sources:
            raise jinja2.TemplateNotFound(template)
        return self.sources[template], str(self.directory / template), lambda: True


class ScriptTemplates:
    """The templates of one script in one locale (scripts/NAME/<locale>/*.j2), as loaded."""

    def __init__(self, loaded: LoadedFlow, locale: str) -> None:
        prefix = f"{locale}/"
        self.directory = loaded.directory / locale
        sources = {key.removeprefix(prefix): text for key, text in loaded.templates.items() if key.startswith(prefix)}
        self.env = make_environment(_Sources(sources, self.directory))

    def path_of(self, name: str) -> Path:
        return self.directory / name

    def render(self, name: str, context: CallContext) -> str:
        try:
            template = self.env.get_template(name)
            return template.render(context.template_vars).strip()
        except jinja2.TemplateNotFound:
            raise ContentError([missing_template(self.path_of(name))]) from None
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:  # SecurityError is a TemplateError
            raise render_error(exc, display_path(self.path_of(name)), str(self.path_of(name))) from None
