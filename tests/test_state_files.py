"""A state's file list: the kept entries' lines are cut out as runs and spliced back in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from glideinforge.creation.lib.state_files import RecordedFile, StateFiles, file_list_bytes

# Names that sort close to each other: a prefix of another, '-' and '_' and '0' around '/'.
NAMES = ("a", "a-b", "a_b", "a0", "ab", "b", "b.c", "site_1", "site_10", "site_2")
ENTRY_FILES = ("job.condor", "job.descript", "attributes.cfg", "sub/file")
MAIN_FILES = ("attributes.cfg", "glidein.descript", "signatures.sha1", "entry.cfg", "z.cfg")


def _file(relpath: str, seed: int) -> RecordedFile:
    return RecordedFile(relpath, f"{seed:040x}", 0o755 if seed % 3 == 0 else 0o644)


@st.composite
def _states(draw: st.DrawFn) -> tuple[list[RecordedFile], list[str]]:
    """Every entry's files and the main files, and the entries compiled again."""
    names = draw(st.sets(st.sampled_from(NAMES), min_size=1))
    files = [
        _file(f"entry_{name}/{item}", draw(st.integers(0, 1 << 40)))
        for name in sorted(names)
        for item in draw(st.sets(st.sampled_from(ENTRY_FILES), min_size=1))
    ]
    files += [_file(item, draw(st.integers(0, 1 << 40))) for item in MAIN_FILES]
    compiled = draw(st.lists(st.sampled_from(sorted(names)), unique=True))
    return files, compiled


def _entry(relpath: str) -> str | None:
    head, slash, _ = relpath.partition("/")
    return head.removeprefix("entry_") if slash and head.startswith("entry_") else None


def test_the_list_is_the_files_sorted_by_relpath_and_reads_back() -> None:
    files = [_file("b/x", 1), _file("a", 2), _file("a b/c", 3)]
    content = file_list_bytes(files)
    assert content == (
        f"{2:040x} 644 a\n{3:040x} 755 a b/c\n{1:040x} 644 b/x\n".encode()  # mode in octal
    )
    assert StateFiles(content).files() == tuple(sorted(files))


@given(_states())
def test_the_runs_are_the_kept_entries_lines(state: tuple[list[RecordedFile], list[str]]) -> None:
    files, compiled = state
    listed = StateFiles(file_list_bytes(files))
    runs = listed.runs_without("entry_", [f"entry_{name}/" for name in compiled])
    kept = [file for file in files if _entry(file.relpath) not in (None, *compiled)]
    assert b"".join(runs) == file_list_bytes(kept)
    for name in compiled:
        under = [file for file in files if _entry(file.relpath) == name]
        assert listed.files_under(f"entry_{name}/") == tuple(sorted(under))


@given(_states(), st.integers(0, 1 << 40))
def test_the_runs_and_the_new_files_make_the_list_a_full_run_makes(
    state: tuple[list[RecordedFile], list[str]], seed: int
) -> None:
    files, compiled = state
    listed = StateFiles(file_list_bytes(files))
    runs = listed.runs_without("entry_", [f"entry_{name}/" for name in compiled])
    kept = [file for file in files if _entry(file.relpath) not in (None, *compiled)]
    new = [
        _file(file.relpath, seed + number)
        for number, file in enumerate(files)
        if _entry(file.relpath) is None or _entry(file.relpath) in compiled
    ]
    assert file_list_bytes(new, runs) == file_list_bytes([*kept, *new])


def test_a_new_file_that_falls_inside_a_run_is_sorted_in_all_the_same() -> None:
    files = [_file("entry_a/x", 1), _file("entry_c/x", 2), _file("entry_d/x", 3)]
    runs = StateFiles(file_list_bytes(files)).runs_without("entry_", ["entry_d/"])
    assert len(runs) == 1  # entry_a and entry_c: one run
    new = [_file("entry_b", 4), _file("entry_d/y", 5)]
    assert file_list_bytes(new, runs) == file_list_bytes([*files[:2], *new])


def test_an_empty_list_has_no_runs() -> None:
    assert StateFiles(b"").runs_without("entry_", ["entry_a/"]) == ()
    assert StateFiles(b"").files_under("entry_a/") == ()
