"""Check a ``match_expr`` (Python in GlideinWMS) against an allow-list, never running it.

GlideinWMS compiles the expression and evaluates it on mock data. Here it is
only parsed with ``ast`` and every node is checked: literals, boolean and
comparison operators, arithmetic, ``in``, conditional expressions, container
displays, subscripts of ``job``, ``glidein`` and ``attr_dict``, a few pure
builtins and a few read-only ``str``/``dict`` methods. Anything else (imports,
other names, attribute access, lambdas, comprehensions, assignments) is refused.
Constant keys are checked against the declared match_attrs and attrs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from collections.abc import Set as AbstractSet

from glideinforge.frozen import frozen

__all__ = ["MatchContext", "match_expr_problems"]

ROOT_NAMES = frozenset({"job", "glidein", "attr_dict"})
SAFE_BUILTINS = frozenset(
    {"abs", "all", "any", "bool", "float", "int", "len", "max", "min", "round", "set", "str"}
)
SAFE_METHODS = frozenset(
    {
        "count",
        "endswith",
        "find",
        "get",
        "isdigit",
        "items",
        "keys",
        "lower",
        "split",
        "startswith",
        "strip",
        "upper",
        "values",
    }
)
_OPERATORS = (
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
)
_STRUCTURE = (
    ast.Expression,
    ast.BoolOp,
    ast.UnaryOp,
    ast.BinOp,
    ast.Compare,
    ast.IfExp,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.Load,
    ast.keyword,
    ast.JoinedStr,
    ast.FormattedValue,
)
_REFUSED_WORDS = {
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.NamedExpr: "an assignment (:=)",
    ast.Starred: "* unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}


@frozen
class MatchContext:
    """What the expression may read: declared factory and job match_attrs, and attrs."""

    factory_attrs: AbstractSet[str]
    job_attrs: AbstractSet[str]
    attrs: AbstractSet[str]


def _constant_key(node: ast.Subscript) -> str | None:
    key = node.slice
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return None


def _subscript_chain(node: ast.Subscript) -> tuple[str | None, list[str | None]]:
    """Return the root name of ``a[k1][k2]`` and its keys (None for computed keys)."""
    keys: list[str | None] = []
    current: ast.expr = node
    while isinstance(current, ast.Subscript):
        keys.append(_constant_key(current))
        current = current.value
    keys.reverse()
    return (current.id if isinstance(current, ast.Name) else None), keys


class _Checker:
    def __init__(self, context: MatchContext | None) -> None:
        self.context = context
        self.problems: list[str] = []
        self.allowed_names: set[int] = set()

    def refuse(self, node: ast.AST, what: str) -> None:
        column = getattr(node, "col_offset", None)
        where = f" (column {column + 1})" if column is not None else ""
        self.problems.append(f"{what} is not allowed{where}")

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            self.call(node)
        elif isinstance(node, ast.Subscript):
            self.subscript(node)
        elif isinstance(node, ast.Name):
            if id(node) not in self.allowed_names and node.id not in ROOT_NAMES:
                self.refuse(node, f"the name {node.id!r}")
        elif isinstance(node, ast.Attribute):
            self.refuse(node, f"attribute access .{node.attr}")
        elif isinstance(node, (_STRUCTURE, _OPERATORS)):
            for child in ast.iter_child_nodes(node):
                self.visit(child)
        else:
            word = _REFUSED_WORDS.get(type(node), type(node).__name__)
            self.refuse(node, word)

    def call(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Name) and function.id in SAFE_BUILTINS:
            self.allowed_names.add(id(function))
        elif isinstance(function, ast.Attribute) and function.attr in SAFE_METHODS:
            self.visit(function.value)
        elif isinstance(function, ast.Attribute):
            self.refuse(function, f"calling .{function.attr}()")
            self.visit(function.value)
        elif isinstance(function, ast.Name):
            self.refuse(function, f"calling {function.id}()")
        else:
            self.refuse(function, "this call")
            self.visit(function)
        for argument in (*node.args, *node.keywords):
            self.visit(argument)

    def subscript(self, node: ast.Subscript) -> None:
        root, keys = _subscript_chain(node)
        if root not in ROOT_NAMES:
            current: ast.expr = node
            while isinstance(current, ast.Subscript):
                self.visit(current.slice)
                current = current.value
            self.visit(current)
            return
        current = node
        while isinstance(current, ast.Subscript):
            self.visit(current.slice)
            current = current.value
        self.check_key(root, keys)

    def check_key(self, root: str, keys: list[str | None]) -> None:
        context = self.context
        if context is None or not keys or keys[0] is None:
            return
        if root == "job" and keys[0] not in context.job_attrs:
            self.problems.append(
                f"job[{keys[0]!r}] is not a job match_attr (declare it in match/job/match_attrs)"
            )
        elif root == "attr_dict" and keys[0] not in context.attrs:
            self.problems.append(f"attr_dict[{keys[0]!r}] is not a defined attr")
        elif (
            root == "glidein"
            and keys[0] == "attrs"
            and len(keys) > 1
            and keys[1] is not None
            and keys[1] not in context.factory_attrs
        ):
            self.problems.append(
                f"glidein['attrs'][{keys[1]!r}] is not a factory match_attr "
                "(declare it in match/factory/match_attrs)"
            )


def match_expr_problems(expression: str, context: MatchContext | None = None) -> Iterator[str]:
    """Yield why ``expression`` is refused (nothing when it is acceptable).

    Args:
        expression: the ``match_expr`` text.
        context: the declared names; None skips the key checks.
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        column = f" at column {error.offset}" if error.offset else ""
        yield f"is not a Python expression: {error.msg}{column}"
        return
    checker = _Checker(context)
    checker.visit(tree)
    yield from dict.fromkeys(checker.problems)
