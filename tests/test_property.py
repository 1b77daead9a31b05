"""Random mutations of the example never raise: every outcome is a diagnosis."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from glideinforge.creation.lib import fingerprint
from glideinforge.factory.load import load_factory

from conftest import EXAMPLE_FACTORY, copy_example

EXAMPLE_DIR = EXAMPLE_FACTORY.parent
FILES = [EXAMPLE_FACTORY, *sorted((EXAMPLE_DIR / "config.d").glob("*.xml"))]
INTERESTING_VALUES = [
    "",
    " ",
    "True",
    "False",
    "true",
    "0",
    "-1",
    "+5",
    "1.5",
    "abc",
    "../x",
    "/abs/path",
    "a b",
    "$(X)",
    "$(",
    "&",
    "<",
    '"',
    "'",
    "\u2603",
    "x\ny",
    "condor",
    "batch slurm",
    "gt2",
    "grid_proxy;scitoken",
    "int",
    "expr",
    "string",
    "9" * 30,
]

mutation = st.one_of(
    st.tuples(
        st.just("set"),
        st.integers(0, 10_000),
        st.text(max_size=12),
        st.sampled_from(INTERESTING_VALUES),
    ),
    st.tuples(
        st.just("set_known"),
        st.integers(0, 10_000),
        st.integers(0, 100),
        st.sampled_from(INTERESTING_VALUES),
    ),
    st.tuples(st.just("drop_attribute"), st.integers(0, 10_000), st.integers(0, 100)),
    st.tuples(st.just("drop_element"), st.integers(1, 10_000)),
    st.tuples(st.just("duplicate_element"), st.integers(1, 10_000)),
    st.tuples(
        st.just("rename_element"),
        st.integers(1, 10_000),
        st.sampled_from(["entry", "attr", "x", "files", "config"]),
    ),
    st.tuples(st.just("corrupt_bytes"), st.integers(0, 10_000), st.binary(min_size=1, max_size=4)),
)


def _mutate(data: bytes, step: tuple) -> bytes:
    if step[0] == "corrupt_bytes":
        position = step[1] % (len(data) + 1)
        return data[:position] + step[2] + data[position:]
    root = etree.fromstring(data)
    elements = [element for element in root.iter() if isinstance(element.tag, str)]
    element = elements[step[1] % len(elements)]
    kind = step[0]
    if kind == "set":
        name = "".join(ch for ch in step[2] if ch.isascii() and (ch.isalnum() or ch == "_")) or "x"
        if name[0].isdigit():
            name = "a" + name
        element.set(name, step[3].replace("\n", "&#10;"))
    elif kind == "set_known" and element.attrib:
        names = list(element.attrib)
        element.set(names[step[2] % len(names)], step[3])
    elif kind == "drop_attribute" and element.attrib:
        names = list(element.attrib)
        del element.attrib[names[step[2] % len(names)]]
    elif kind == "drop_element" and element.getparent() is not None:
        element.getparent().remove(element)
    elif kind == "duplicate_element" and element.getparent() is not None:
        element.addnext(etree.fromstring(etree.tostring(element)))
    elif kind == "rename_element" and element.getparent() is not None:
        element.tag = step[2]
    return etree.tostring(root)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, len(FILES) - 1), mutation), min_size=1, max_size=4))
def test_mutated_example_yields_a_result_never_an_exception(tmp_path_factory, steps):
    work = Path(tmp_path_factory.mktemp("mutant"))
    copy_example("factory", work)
    paths = [work / path.relative_to(EXAMPLE_DIR) for path in FILES]
    for index, step in steps:
        data = paths[index].read_bytes()
        try:
            data = _mutate(data, step)
        except etree.XMLSyntaxError:
            data = data + b"<broken"  # an earlier corruption: keep corrupting
        paths[index].write_bytes(data)
    result = load_factory(paths[0])
    assert result.valid is (not result.errors)
    for diagnostic in result.diagnostics:
        assert diagnostic.source.line >= 1
        assert diagnostic.path.startswith("/")
        assert diagnostic.message
    if result.valid:
        assert result.factory is not None
        assert len(result.factory.entries) == result.check.entry_count


_NAMES = st.sampled_from(
    ["a", "a-", "a0", "a_b", "a.x", "b", "entry_a", "entry_a0", "entry_a_b", "z"]
)
_PATHS = st.lists(_NAMES, min_size=1, max_size=3).map(lambda parts: "/s/" + "/".join(parts))
_STAMPS = st.one_of(st.none(), st.tuples(*[st.integers(0, 99)] * 3))


@given(
    recorded=st.dictionaries(_PATHS, _STAMPS, max_size=30),
    dropped_dirs=st.lists(_PATHS.map(lambda path: path + "/"), max_size=3),
    dropped=st.lists(_PATHS, max_size=3),
    published=st.dictionaries(_PATHS, _STAMPS, max_size=5),
)
def test_kept_outputs_record_what_a_fresh_record_would(
    recorded: dict[str, tuple[int, int, int] | None],
    dropped_dirs: list[str],
    dropped: list[str],
    published: dict[str, tuple[int, int, int] | None],
) -> None:
    """An edit's record of its outputs equals one made afresh from all their stamps."""
    before = fingerprint.RecordedOutputs.of(recorded)
    lines = b"".join(fingerprint.stamp_line(recorded[path]) for path in before.paths)
    kept = fingerprint.KeptOutputs.of(before, lines, dropped_dirs, dropped)
    assert kept is not None
    expected = {
        path: stamp
        for path, stamp in recorded.items()
        if path not in dropped and not path.startswith(tuple(dropped_dirs))
    }
    assert kept.paths == tuple(sorted(expected))
    assert kept.with_stamps(published) == fingerprint.RecordedOutputs.of(expected | published)
    assert fingerprint.KeptOutputs.of(before, lines + b"-\n", dropped_dirs, dropped) is None
