"""A small evaluator for the `${{ ... }}` expressions the action and the example workflows use.

It is deliberately a subset of GitHub's expression language, enough to run the workflows locally:

- literals: 'strings' ('' escapes a quote), numbers, true, false, null;
- property access on contexts: `github.event.pull_request.number`, `steps.plan.outputs.has-changes`
  (names may contain `-`), `x['key']`; a missing property is null, as on GitHub;
- operators, by GitHub's precedence: `!`, then `== != < <= > >=`, then `&&`, then `||`; `&&`/`||` return
  an operand, not a boolean; `==` compares strings case-insensitively and converts mismatched types to
  numbers, as GitHub does;
- functions: the status checks `success() failure() always() cancelled()`, and `contains`, `startsWith`,
  `endsWith`, `format` (`{0}` placeholders, `{{` and `}}` for braces), so `secrets[format('X_{0}', 1)]`
  looks a secret up by a computed name. For a job's `if:`, `success()` also needs every needed job to
  have succeeded (`Status.needs_unfinished`: one was skipped or cancelled).

Anything else (an unknown function or context, a syntax error) raises `ExpressionError`, so a workflow
that starts using more of the language fails its test loudly instead of being run wrongly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")
STATUS_CALL = re.compile(r"\b(?:" + "|".join(STATUS_FUNCTIONS) + r")\s*\(")
TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|<=|>=|&&|\|\||[!<>().,\[\]])
    | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Status:
    """What the status functions answer for the step being evaluated."""

    failed: bool = False
    cancelled: bool = False
    needs_unfinished: bool = False  # a job's `if:`: a needed job was skipped or cancelled


def to_text(value: Any) -> str:
    """How GitHub writes a value into a string: null is empty, booleans lower-case, objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, (dict, list)):
        return True
    return value not in (None, False, 0, "")


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(int(text, 0)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) or (isinstance(left, (int, float)) and isinstance(right, (int, float))):
        return bool(left == right)
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return left is right
    return _number(left) == _number(right)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.casefold()
        b: Any = right.casefold()
    else:
        a, b = _number(left), _number(right)
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


def _text_of(value: Any) -> str:
    return to_text(value).casefold()


FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{(\d+)\}|[{}]")


def _format(template: Any, *args: Any) -> str:
    def field(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        if match.group(1) is None or int(match.group(1)) >= len(args):
            raise ExpressionError(f"format({template!r}): bad or unmatched {match.group(0)!r}")
        return to_text(args[int(match.group(1))])

    return FORMAT_FIELD.sub(field, to_text(template))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "format": _format,
    "contains": lambda haystack, needle: (
        any(_equal(item, needle) for item in haystack)
        if isinstance(haystack, list)
        else _text_of(needle) in _text_of(haystack)
    ),
    "startsWith": lambda text, prefix: _text_of(text).startswith(_text_of(prefix)),
    "endsWith": lambda text, suffix: _text_of(text).endswith(_text_of(suffix)),
}


class _Parser:
    def __init__(self, source: str, contexts: Mapping[str, Any], status: Status) -> None:
        self.source = source
        self.contexts = contexts
        self.status = status
        self.tokens = self._tokenize(source)
        self.position = 0

    @staticmethod
    def _tokenize(source: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        index = 0
        while index < len(source):
            if source[index:].strip() == "":
                break
            match = TOKEN.match(source, index)
            if not match or match.end() == index:
                raise ExpressionError(f"cannot read {source[index:]!r} in expression {source!r}")
            kind = match.lastgroup
            assert kind is not None
            tokens.append((kind, match.group(kind)))
            index = match.end()
        return tokens

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (expected is not None and token[1] != expected):
            raise ExpressionError(f"expected {expected or 'more'} in expression {self.source!r}")
        self.position += 1
        return token

    def _at(self, *ops: str) -> bool:
        token = self._peek()
        return token is not None and token[0] == "op" and token[1] in ops

    def parse(self) -> Any:
        value = self._or()
        if self._peek() is not None:
            raise ExpressionError(f"unexpected {self._peek()[1]!r} in expression {self.source!r}")  # type: ignore[index]
        return value

    def _or(self) -> Any:
        value = self._and()
        while self._at("||"):
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._comparison()
        while self._at("&&"):
            self._take()
            right = self._comparison()
            value = right if truthy(value) else value
        return value

    def _comparison(self) -> Any:
        value = self._unary()
        while self._at("==", "!=", "<", "<=", ">", ">="):
            op = self._take()[1]
            value = _compare(op, value, self._unary())
        return value

    def _unary(self) -> Any:
        if self._at("!"):
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if kind == "op" and text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in expression {self.source!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._at("("):
            return self._call(text)
        if text not in self.contexts:
            raise ExpressionError(f"unknown context {text!r} in expression {self.source!r}")
        return self._properties(self.contexts[text])

    def _properties(self, value: Any) -> Any:
        while self._at(".", "["):
            if self._take()[1] == ".":
                kind, key = self._take()
                if kind != "name":
                    raise ExpressionError(f"expected a property name in expression {self.source!r}")
            else:
                key = to_text(self._or())
                self._take("]")
            if isinstance(value, Mapping):
                matches = [k for k in value if str(k).casefold() == key.casefold()]
                value = value[matches[0]] if matches else None
            else:
                value = None
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        args: list[Any] = []
        while not self._at(")"):
            args.append(self._or())
            if not self._at(")"):
                self._take(",")
        self._take(")")
        if name in STATUS_FUNCTIONS:
            if args:
                raise ExpressionError(f"{name}() takes no arguments")
            return {
                "success": not (self.status.failed or self.status.cancelled or self.status.needs_unfinished),
                "failure": self.status.failed,
                "always": True,
                "cancelled": self.status.cancelled,
            }[name]
        function = FUNCTIONS.get(name)
        if function is None:
            raise ExpressionError(f"unsupported function {name}() in expression {self.source!r}")
        return function(*args)


def evaluate(expression: str, contexts: Mapping[str, Any], status: Status | None = None) -> Any:
    """The value of one expression (the text inside `${{ }}`)."""
    return _Parser(expression, contexts, status or Status()).parse()


def substitute(text: str, contexts: Mapping[str, Any], status: Status | None = None) -> str:
    """Replace every `${{ expr }}` in `text` by its value written as text."""
    return TEMPLATE.sub(lambda match: to_text(evaluate(match.group(1), contexts, status)), text)


def condition(text: str | bool | None, contexts: Mapping[str, Any], status: Status) -> bool:
    """A step or job `if:`: `${{ }}` is optional, and without a status function it means `success() && (...)`."""
    if text is None:
        text = "success()"
    if isinstance(text, bool):
        return text and not (status.failed or status.cancelled or status.needs_unfinished)
    expression = text.strip()
    whole = TEMPLATE.fullmatch(expression)
    if whole:
        expression = whole.group(1).strip()
    if not STATUS_CALL.search(expression):
        expression = f"success() && ({expression})"
    return truthy(evaluate(expression, contexts, status))
