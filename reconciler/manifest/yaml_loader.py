"""YAML text -> plain data plus the source position of every node.

PyYAML's constructors drop positions and silently keep the last of two duplicate keys, and
they expand aliases without limit. So we only let PyYAML compose the node graph and build the
data ourselves: that is where positions are recorded, duplicates are caught and alias
expansion is bounded. libyaml (when PyYAML has it) only produces the events, which makes
parsing about six times faster; composing runs in Python so that every alias use is seen.
Positions are the same with either parser; the wording of syntax errors differs slightly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from yaml.error import Mark, MarkedYAMLError
from yaml.events import AliasEvent, StreamEndEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.model.errors import ManifestIssue
from reconciler.model.location import DocPath, Location, format_doc_path

try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None  # type: ignore[assignment,misc]

MAX_ALIAS_USES = 10_000  # a fleet's file may use `<<: *defaults` once per site
MAX_EXPANDED_NODES = (
    100_000  # nodes built again through aliases; a large fleet's literal nodes are not limited
)

_TAG = "tag:yaml.org,2002:"
_DROPPED_RESOLVERS = {_TAG + "timestamp", _TAG + "value"}
# `${NAME}` not opened by a quote: inside `{...}` or `[...]` its braces end the flow collection early.
_BARE_REFERENCE = re.compile(r"""(?<!["'$])\$\{[^}\s,]*\}?""")
_READ_AS = {"int": "an integer", "float": "a number", "bool": "a boolean", "null": "null"}


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1 implicit typing without dates (a date-looking string stays a string)."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (the stubs declare it on the base, not as a ClassVar)
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_RESOLVERS]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }


class _Composer(yaml.composer.Composer, yaml.constructor.SafeConstructor, _Resolver):
    """Python composer over any event source; SafeConstructor only lends its scalar conversions."""

    def _init_composer(self) -> None:
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self.alias_marks: dict[tuple[int, Any], Mark] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        """Remember where each alias is used: the composed graph shares the anchored node."""
        # check_event/peek_event come from the parser this composer is mixed with (_Loader).
        if parent is not None and index is not None and self.check_event(AliasEvent):  # type: ignore[attr-defined]
            slot = id(index) if isinstance(index, Node) else index
            self.alias_marks[(id(parent), slot)] = self.peek_event().start_mark  # type: ignore[attr-defined]
        return super().compose_node(parent, index)


if _CParser is not None:

    class _Loader(_Composer, _CParser):
        """libyaml turns text into events; composing stays in Python (see module docstring)."""

        def __init__(self, text: str) -> None:
            _CParser.__init__(self, text)
            self._init_composer()

else:

    class _Loader(_Composer, yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        """Pure-Python fallback when PyYAML was built without libyaml."""

        def __init__(self, text: str) -> None:
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            self._init_composer()


@dataclass
class Document:
    """One parsed file.

    `locations` holds, for a mapping entry, the position of its key (where a reader looks for
    "this setting"), for a list item or the root, the position of the node itself.
    `value_locations` holds where each value starts, for errors about the value itself.
    `data` is None when the file could not be parsed at all.
    """

    file: str
    data: Any = None
    locations: dict[DocPath, Location] = field(default_factory=dict)
    value_locations: dict[DocPath, Location] = field(default_factory=dict)
    issues: list[ManifestIssue] = field(default_factory=list)


class _Abort(Exception):
    """Stops building: the document cannot be turned into data safely."""


class _Marked(Protocol):
    """A position from either parser (PyYAML's Python `Mark` or libyaml's)."""

    line: int
    column: int


def _loc(file: str, mark: _Marked) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


class _Builder:
    """Walks the composed node graph into dicts, lists and scalars."""

    def __init__(self, loader: _Loader, doc: Document) -> None:
        self.loader = loader
        self.doc = doc
        self.active: set[int] = set()
        self.outer_alias: tuple[Mark, DocPath] | None = None
        self.alias_uses = 0
        self.expanded = 0

    def loc(self, mark: Mark) -> Location:
        return _loc(self.doc.file, mark)

    def check_tag(self, node: Node, expected: str, path: DocPath) -> None:
        if node.tag != _TAG + expected:
            shown = "!!" + node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag
            self.issue(node.start_mark, path, f"unsupported YAML tag '{shown}'")

    def issue(self, mark: Mark, path: DocPath, message: str) -> None:
        found = ManifestIssue(self.loc(mark), format_doc_path(path), message)
        if found not in self.doc.issues:  # an aliased node is visited once per use
            self.doc.issues.append(found)

    def build(self, node: Node, path: DocPath, alias: Mark | None = None) -> Any:
        """Build one node; `alias` is where it is used when reached through `*name`."""
        if id(node) in self.active:
            self.issue(alias or node.start_mark, path, "recursive YAML alias (a node contains itself)")
            raise _Abort
        outermost = alias is not None and self.outer_alias is None
        if alias is not None:
            self.alias_uses += 1
            self.outer_alias = self.outer_alias or (alias, path)
        if self.outer_alias is not None:
            self.expanded += 1
        if self.alias_uses > MAX_ALIAS_USES or self.expanded > MAX_EXPANDED_NODES:
            # Point at the alias written in the document, not somewhere inside its expansion.
            mark, where = self.outer_alias or (node.start_mark, path)
            self.issue(
                mark,
                where,
                f"too many YAML aliases / alias expansion too large (limits: {MAX_ALIAS_USES} alias uses, "
                f"{MAX_EXPANDED_NODES} nodes reached through aliases)",
            )
            raise _Abort
        self.doc.value_locations[path] = self.loc(alias or node.start_mark)
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
            if isinstance(node, SequenceNode):
                return self.sequence(node, path)
            return self.scalar(node, path)
        finally:
            self.active.discard(id(node))
            if outermost:
                self.outer_alias = None

    def alias_at(self, parent: Node, index: Any) -> Mark | None:
        slot = id(index) if isinstance(index, Node) else index
        return self.loader.alias_marks.get((id(parent), slot))

    def scalar(self, node: Node, path: DocPath) -> Any:
        tag = node.tag.removeprefix(_TAG)
        if tag == "str":
            return node.value
        if tag == "null":
            return None
        if tag in ("bool", "int", "float"):
            value = getattr(self.loader, f"construct_yaml_{tag}")(node)
            if tag == "float" and not math.isfinite(value):  # JSON, so the Netlify API, has no such number
                text = node.value
                self.issue(node.start_mark, path, f"{text} is not a number JSON can hold; quote it: '{text}'")
            return value
        self.check_tag(node, "str", path)
        return node.value

    def sequence(self, node: SequenceNode, path: DocPath) -> list[Any]:
        self.check_tag(node, "seq", path)
        items = []
        for index, item in enumerate(node.value):
            alias = self.alias_at(node, index)
            self.doc.locations[(*path, index)] = self.loc(alias or item.start_mark)
            items.append(self.build(item, (*path, index), alias))
        return items

    def key(self, node: Node, path: DocPath) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
            return str(node.value)
        hint = ", not lists or mappings"
        if isinstance(node, ScalarNode):
            read_as = _READ_AS.get(node.tag.removeprefix(_TAG), node.tag)
            hint = f": {node.value!r} is read as {read_as}, quote it" if node.value else ""
        self.issue(node.start_mark, path, f"keys must be strings{hint}")
        return None

    def mapping(self, node: MappingNode, path: DocPath) -> dict[str, Any]:
        self.check_tag(node, "map", path)
        merged: dict[str, Any] = {}
        # YAML merge keys (`<<: *defaults`) first, so explicit keys win, also for locations.
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                merged = {**self.merge_sources(value_node, path, self.alias_at(node, key_node)), **merged}
        explicit: dict[str, Any] = {}
        first_at: dict[str, Location] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            child = (*path, key)
            if key in first_at:
                self.issue(
                    key_node.start_mark, child, f"duplicate key '{key}' (first defined at {first_at[key]})"
                )
                continue
            first_at[key] = self.loc(key_node.start_mark)
            self.doc.locations[child] = first_at[key]
            explicit[key] = self.build(value_node, child, self.alias_at(node, key_node))
        return {**merged, **explicit}

    def merge_sources(self, node: Node, path: DocPath, alias: Mark | None) -> dict[str, Any]:
        """`<<: *a` or `<<: [*a, *b]`; earlier sources win, as the YAML merge spec says."""
        many = isinstance(node, SequenceNode)
        sources = [(n, self.alias_at(node, i)) for i, n in enumerate(node.value)] if many else [(node, alias)]
        result: dict[str, Any] = {}
        own_location = self.doc.value_locations.get(path)
        for source, source_alias in reversed(sources):
            if not isinstance(source, MappingNode):
                self.issue(source.start_mark, path, "a merge key '<<' needs a mapping or a list of mappings")
                continue
            result.update(self.build(source, path, source_alias))
        if own_location is not None:
            self.doc.value_locations[path] = own_location
        return result


def _syntax_issue(file: str, text: str, error: MarkedYAMLError) -> ManifestIssue:
    mark, where = error.problem_mark or error.context_mark, error.context_mark
    message = f"YAML syntax error: {error.problem or error.context}"
    if error.problem and error.context:
        if where is None or (mark and (where.line, where.column) == (mark.line, mark.column)):
            message += f" ({error.context})"
        else:
            message += f" ({error.context} at line {where.line + 1}, column {where.column + 1})"
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        message += "; tabs cannot be used for indentation"
    message += _flow_reference_hint(text, error)
    return ManifestIssue(_loc(file, mark) if mark else None, "", message)


def _flow_reference_hint(text: str, error: MarkedYAMLError) -> str:
    """Why `{production: ${KEY}}` fails, which YAML alone does not say: the reference must be quoted."""
    start, end = error.context_mark, error.problem_mark
    if not (error.context or "").startswith("while parsing a flow") or start is None or end is None:
        return ""
    line_end = text.find("\n", end.index)
    bare = _BARE_REFERENCE.search(text, start.index, len(text) if line_end < 0 else line_end)
    if bare is None:
        return ""
    return f"; a ${{VAR}} reference inside {{...}} or [...] must be quoted: \"{bare.group()}\""


def _reader_issue(file: str, text: str, error: yaml.reader.ReaderError) -> ManifestIssue:
    line = text.count("\n", 0, error.position) + 1
    column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
    char = error.character if isinstance(error.character, str) else chr(error.character)
    return ManifestIssue(
        Location(file, line, column), "", f"YAML syntax error: unexpected character {char!r}"
    )


def parse_yaml(text: str, file: str) -> Document:
    """Parse one single-document YAML file; problems come back as issues, never raised."""
    doc = Document(file)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:  # the reader checks the whole text up front
        doc.issues.append(_reader_issue(file, text, error))
        return doc
    try:
        if not loader.check_node():
            return doc
        root = loader.get_node()
        if root is None:
            return doc
        following = loader.peek_event()
        if following is not None and following.start_mark and not isinstance(following, StreamEndEvent):
            second = _loc(file, following.start_mark)
            message = "only one YAML document per file is allowed (found a second '---' document)"
            doc.issues.append(ManifestIssue(second, "", message))
        doc.locations[()] = _loc(file, root.start_mark)
        doc.data = _Builder(loader, doc).build(root, ())
    except MarkedYAMLError as error:
        doc.issues.append(_syntax_issue(file, text, error))
        doc.data = None
    except yaml.reader.ReaderError as error:  # libyaml reads lazily
        doc.issues.append(_reader_issue(file, text, error))
        doc.data = None
    except _Abort:
        doc.data = None
    except RecursionError:
        doc.issues.append(ManifestIssue(Location(file, 1, 1), "", "YAML document is nested too deeply"))
        doc.data = None
    finally:
        loader.dispose()
    return doc
