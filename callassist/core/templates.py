"""Render a script's step templates and rebuttals in a bounded sandbox with strict variables.

A trainer's template can neither reach Python objects (ImmutableSandboxedEnvironment)
nor silently print nothing for a misspelt variable (StrictUndefined), nor include another
file, nor run away with the machine: numbers, repeated strings and lists are bounded as
they are made, what a render prints and how long it runs are bounded while it runs. Each
of these becomes a ContentError naming the file and line.
"""

from __future__ import annotations

import difflib
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Generator, Iterable, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache, wraps
from pathlib import Path
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from callassist.core.claims import unsupported_claims
from callassist.core.context import CallContext, template_variables
from callassist.core.problems import ContentError, Problem, display_path

if TYPE_CHECKING:
    from callassist.core.flow import LoadedFlow

# A step's words fit on a screen: these bounds are far above any real template and far
# below what would hurt the machine a collector is calling from.
MAX_TEMPLATE_CHARS = 16_384  # of a template's source
MAX_OUTPUT = 20_000  # characters a render, or any string it makes, may reach
MAX_ITEMS = 20_000  # items of a list it makes
MAX_INT_BITS = 256  # a number of about 77 digits
MAX_LINES_RUN = 20_000  # lines of template code one render may run (loops, macros)
RENDER_SECONDS = 2.0
_CHECK_CLOCK_EVERY = 64  # lines run between two looks at the clock


class LimitExceeded(SecurityError):
    """A template asked for more than any step's words need."""


class _Budget:
    """What one render may still print and run, on this thread."""

    def __init__(self) -> None:
        self.printed = 0
        self.lines = MAX_LINES_RUN
        self.deadline = time.monotonic() + RENDER_SECONDS


_current = threading.local()
# What sys.settrace takes: called with a frame, an event and its argument, it returns the
# tracer for the frame's lines (or None for none).
_Tracer: TypeAlias = Callable[[FrameType, str, object], "_Tracer | None"]


def _finalize(value: Any) -> Any:
    """Every {{ }} passes here: what it prints counts against the render's budget (a
    macro's output included, which never reaches the render's own stream)."""
    budget = getattr(_current, "budget", None)
    if budget is not None:
        budget.printed += len(value) if isinstance(value, str) else 24
        if budget.printed > MAX_OUTPUT:
            raise LimitExceeded(f"prints more than {MAX_OUTPUT:,} characters")
    return value


def _is_collection(value: object) -> TypeGuard[list[object] | tuple[object, ...] | dict[object, object]]:
    """A list, tuple or dict (of whatever a template put in it)."""
    return isinstance(value, (list, tuple, dict))


def _bounded(value: Any) -> Any:
    """A value a template made, refused when it is larger than a step could use."""
    if isinstance(value, str) and len(value) > MAX_OUTPUT:
        raise LimitExceeded(f"makes a text of more than {MAX_OUTPUT:,} characters")
    if _is_collection(value) and len(value) > MAX_ITEMS:
        raise LimitExceeded(f"makes a list of more than {MAX_ITEMS:,} items")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise LimitExceeded(f"makes a number of more than {MAX_INT_BITS} bits")
    return value


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) or _is_collection(value) else 0


def _check_operands(operator: str, left: Any, right: Any) -> None:
    """Refuse, before it is made, a result no template needs (a huge repeat or power)."""
    numbers = isinstance(left, int) and isinstance(right, int)
    if operator == "*":
        if numbers and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise LimitExceeded(f"makes a number of more than {MAX_INT_BITS} bits")
        for sequence, times in ((left, right), (right, left)):
            if isinstance(times, int) and _size(sequence) * times > (MAX_OUTPUT if isinstance(sequence, str) else MAX_ITEMS):
                raise LimitExceeded(f"repeats a value {times:,} times")
    elif operator == "**" and numbers and right > 0 and abs(left) > 1 and (abs(left).bit_length() - 1) * right > MAX_INT_BITS:
        raise LimitExceeded(f"raises {left} to the power {right:,}")
    elif operator == "%" and isinstance(left, str):
        _check_format(left)


_FIELD = re.compile(r"\{[^{}]*\}|%[^a-zA-Z%]*")


def _check_format(pattern: str) -> None:
    """A format whose widths would print far more than a step needs, or that takes its
    widths from the values (where they cannot be checked), is refused."""
    if re.search(r"\{[^{}]*\{|%[^a-zA-Z%]*\*", pattern):
        raise LimitExceeded("a format may not take its width from a value")
    for spec in _FIELD.findall(pattern):
        if any(int(digits) > MAX_OUTPUT for digits in re.findall(r"[0-9]+", spec)):
            raise LimitExceeded(f"formats a value {spec!r} wider than {MAX_OUTPUT:,} characters")


def _check_arguments(name: str, subject: object, args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    """A filter's or a method's arguments, for those that make their result larger."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and abs(value) > MAX_OUTPUT:
            raise LimitExceeded(f"calls {name}() with {value:,}")
    if name in ("format", "format_map") and isinstance(subject, str):
        _check_format(subject)
    elif name == "replace" and isinstance(subject, str) and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        found = subject.count(args[0]) if args[0] else len(subject) + 1
        if len(subject) + found * len(args[1]) > MAX_OUTPUT:
            raise LimitExceeded(f"asks replace() for more than {MAX_OUTPUT:,} characters")
    elif name == "indent" and isinstance(subject, str) and args and isinstance(args[0], str):
        if len(args[0]) * (subject.count("\n") + 1) > MAX_OUTPUT:
            raise LimitExceeded(f"asks indent() for more than {MAX_OUTPUT:,} characters")


def _joinable(items: Any, separator: str) -> list[Any]:
    """What join() is given, as a list, refused when joined it would be too long."""
    items = list(items)
    if len(items) > MAX_ITEMS or sum(len(item) if isinstance(item, str) else 24 for item in items) + len(separator) * len(items) > MAX_OUTPUT:
        raise LimitExceeded(f"asks join() for more than {MAX_OUTPUT:,} characters")
    return items


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    # A filter that takes the context or the environment is given it first, then the value.
    value_at = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @wraps(function)
    def bounded(*given: Any, **kwargs: Any) -> Any:
        args = list(given)
        subject = args[value_at] if len(args) > value_at else None
        if name == "join" and subject is not None and not isinstance(subject, str):
            separator = args[value_at + 1] if len(args) > value_at + 1 else kwargs.get("d", "")
            args[value_at] = subject = _joinable(subject, separator if isinstance(separator, str) else "")
        _check_arguments(name, subject, tuple(args[value_at + 1 :]), kwargs)
        return _bounded(function(*args, **kwargs))

    return bounded


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with bounds on what a template may make and no way to another file."""

    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})
    filters: dict[str, Callable[..., Any]]

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        self.filters = {name: _bounded_filter(name, function) for name, function in self.filters.items()}
        del self.globals["lipsum"]  # pyright: ignore[reportUnknownMemberType] (jinja2 annotates its globals partly unknown); no random filler text in a template

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_operands(operator, left, right)
        return _bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (names as Jinja's own)
        # str.format comes wrapped by the sandbox: the method, and its string, are beneath.
        method = getattr(__obj, "__wrapped__", __obj)
        name, subject = getattr(method, "__name__", ""), getattr(method, "__self__", None)
        if name == "join" and isinstance(subject, str) and args and not isinstance(args[0], str):
            args = (_joinable(args[0], subject), *args[1:])
        _check_arguments(name, subject, args, kwargs)
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def get_template(self, name: str | jinja2.Template, parent: str | None = None, globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        # Jinja names the including template as `parent`: a step's words stay in its file,
        # where the disclosure gate and the forbidden-language list read them.
        if parent is not None:
            raise SecurityError(f"{parent} includes, imports or extends {name}: a template may not use another file")
        return super().get_template(name, parent, globals)

    def select_template(self, names: Iterable[str | jinja2.Template], parent: str | None = None, globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        if parent is not None:
            raise SecurityError(f"{parent} includes, imports or extends another template: a template may not use another file")
        return super().select_template(names, parent, globals)


def make_environment(loader: jinja2.BaseLoader | None = None) -> BoundedEnvironment:
    return BoundedEnvironment(
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


# The environment inspect_template parses and compiles in: what it compiles is bound to the
# caller's environment, made the same way.
_INSPECTING = make_environment()


@contextmanager
def _limits() -> Generator[_Budget]:
    """A render's budget, and a tracer that stops template code running too many lines or
    too long (a loop over loops, a macro calling itself)."""
    budget = _Budget()
    outer = getattr(_current, "budget", None)
    _current.budget = budget

    def each_line(frame: FrameType, event: str, _arg: object) -> _Tracer:
        if event == "line":
            budget.lines -= 1
            if budget.lines <= 0:
                raise LimitExceeded(f"runs more than {MAX_LINES_RUN:,} lines of template code (a loop too long, or a macro calling itself)")
            if budget.lines % _CHECK_CLOCK_EVERY == 0 and time.monotonic() > budget.deadline:
                raise LimitExceeded(f"took more than {RENDER_SECONDS:g} seconds")
        return each_line

    def on_call(frame: FrameType, _event: str, _arg: object) -> _Tracer | None:
        return each_line if isinstance(frame.f_globals.get("environment"), BoundedEnvironment) else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield budget
    finally:
        sys.settrace(previous)
        _current.budget = outer


def render_limited(template: jinja2.Template, values: dict[str, object]) -> str:
    """The template's text for `values`, within the bounds above (LimitExceeded if not)."""
    with _limits():
        chunks: list[str] = []
        printed = 0
        for chunk in template.generate(values):
            printed += len(chunk)
            if printed > MAX_OUTPUT:
                raise LimitExceeded(f"prints more than {MAX_OUTPUT:,} characters")
            chunks.append(chunk)
    return "".join(chunks).strip()


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
    if isinstance(exc, LimitExceeded):
        problem = Problem(shown_path, line, 1, "E035", f"template too costly: it {exc}", "a step prints a few lines: keep loops short and values small")
    elif isinstance(exc, RecursionError):
        problem = Problem(shown_path, line, 1, "E035", "template too costly: it calls itself without end", "a macro may not call itself")
    elif isinstance(exc, jinja2.UndefinedError):
        problem = Problem(shown_path, line, 1, "E030", f"template variable: {exc.message}", "see CallContext for the names a template may use")
    elif isinstance(exc, jinja2.TemplateAssertionError):
        problem = Problem(shown_path, line, 1, "E031", f"template syntax: {exc.message}", "use the filters and tests Jinja provides")
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        problem = Problem(shown_path, line, 1, "E031", f"template syntax: {exc.message}", "check {{ }} and {% %} pairs")
    elif isinstance(exc, SecurityError):
        problem = Problem(shown_path, line, 1, "E032", f"not allowed in a template: {exc}", "templates may only read the call's values")
    else:
        problem = Problem(shown_path, line, 1, "E033", f"template failed: {type(exc).__name__}: {exc}", "the template's own code fails here: check what it computes")
    return ContentError([problem])


def missing_template(path: Path) -> Problem:
    return Problem(display_path(path), 1, 1, "E034", "template file is missing", "every state needs a template in every locale")


@dataclass
class TemplateReport:
    problems: list[Problem] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # the call's values it reads
    template: jinja2.Template | None = None  # compiled, when it compiles


def inspect_template(env: jinja2.Environment, source: str, shown: str, line_offset: int = 0) -> TemplateReport:
    """Check a template without running it: syntax, names outside CallContext, and
    reaching for Python internals (which the sandbox would refuse on a live call). The
    template comes back compiled for `env` when it compiles."""
    found = _inspected(source)
    return TemplateReport(
        [replace(problem, path=shown, line=problem.line + line_offset) for problem in found.problems],
        set(found.names),
        None if found.code is None else env.template_class.from_code(env, found.code, env.make_globals(None), None),
    )


@dataclass(frozen=True)
class _Inspected:
    problems: tuple[Problem, ...]  # without their file, at the template's own lines
    names: frozenset[str]
    code: CodeType | None  # what it compiles to, the same in every environment make_environment makes


@lru_cache(maxsize=1024)
def _inspected(source: str) -> _Inspected:
    """What inspect_template finds in `source`, wherever it is kept: the checks read the same
    words again and again (a step in both locales, a script copied, a catalog reloaded)."""
    env = _INSPECTING
    problems: list[Problem] = []
    names: set[str] = set()

    def add(node: nodes.Node, code: str, message: str, hint: str) -> None:
        problems.append(Problem("", node.lineno, 1, code, message, hint))

    if len(source) > MAX_TEMPLATE_CHARS:
        problems.append(Problem("", 1, 1, "E036", f"template of {len(source):,} characters, where a step's words need at most {MAX_TEMPLATE_CHARS:,}", "split the words across steps"))
        return _Inspected(tuple(problems), frozenset(), None)
    try:
        tree = env.parse(source)
    except Exception as exc:  # a syntax error, or a literal Python will not read (an int of 5,000 digits)
        return _Inspected(tuple(render_error(exc, "", None).problems), frozenset(), None)
    compiled = None
    try:  # unknown filters and tests are found here, not by the parser
        compiled = env.compile(tree)
    except Exception as exc:
        problems.extend(render_error(exc, "", None).problems)
    for line, fact, words in unsupported_claims(tree):
        problems.append(Problem("", line, 1, "E054", f"“{words}” claims what the account may not support", f"say it only under a condition on the account's fact: {{% if {fact} %}}…{{% endif %}}"))
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        add(node, "E036", "a template may not include, import or extend another file", "write the words in this step's own file, where the disclosure gate and the forbidden-language list read them")
    variables = template_variables()
    own = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")} | {n.name for n in tree.find_all(nodes.Macro)} | {"loop"}
    for node in tree.find_all(nodes.Name):
        if node.ctx != "load" or node.name in own:
            continue
        if node.name in variables:
            names.add(node.name)
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
    return _Inspected(tuple(problems), frozenset(names), compiled)


class _Sources(jinja2.BaseLoader):
    """Templates from memory, each compiled under its file's path (for error lines)."""

    def __init__(self, sources: dict[str, str], directory: Path) -> None:
        self.sources = sources
        self.directory = directory

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
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
            return render_limited(self.env.get_template(name), context.template_vars)
        except jinja2.TemplateNotFound:
            raise ContentError([missing_template(self.path_of(name))]) from None
        except Exception as exc:  # a trainer's code failing in any way is a problem in their file, never a crash
            raise render_error(exc, display_path(self.path_of(name)), str(self.path_of(name))) from None
