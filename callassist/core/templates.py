"""Render a script's step templates and rebuttals in a sandbox with strict variables.

A trainer's template can neither reach Python objects (ImmutableSandboxedEnvironment)
nor silently print nothing for a misspelt variable (StrictUndefined): both become a
ContentError naming the file and line.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from callassist.core.context import CallContext
from callassist.core.problems import ContentError, Problem, display_path


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
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        problem = Problem(shown_path, line, 1, "E031", f"template syntax: {exc.message}", "check {{ }} and {% %} pairs")
    elif isinstance(exc, SecurityError):
        problem = Problem(shown_path, line, 1, "E032", f"not allowed in a template: {exc}", "templates may only read the call's values")
    else:
        problem = Problem(shown_path, line, 1, "E033", f"template failed: {exc}")
    return ContentError([problem])


class ScriptTemplates:
    """The templates of one script in one locale: scripts/NAME/<locale>/*.j2."""

    def __init__(self, script_dir: Path, locale: str) -> None:
        self.directory = script_dir / locale
        self.env = make_environment(jinja2.FileSystemLoader(str(self.directory)))

    def path_of(self, name: str) -> Path:
        return self.directory / name

    def render(self, name: str, context: CallContext) -> str:
        try:
            template = self.env.get_template(name)
            return template.render(context.template_vars).strip()
        except jinja2.TemplateNotFound:
            shown = display_path(self.path_of(name))
            raise ContentError([Problem(shown, 1, 1, "E034", "template file is missing", "every state needs a template in every locale")]) from None
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:  # SecurityError is a TemplateError
            raise render_error(exc, display_path(self.path_of(name)), str(self.path_of(name))) from None
