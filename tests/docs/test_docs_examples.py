"""Every command in README.md and docs/guide.md runs as written, and the examples ship.

Each ```bash block of the two documents is run line by line, in order, in one temporary
folder holding a copy of ``examples/`` (the commands are written for the repository root):
``.venv/bin/ffcast ...`` through the CLI in this process, ``make <target>`` as a dry run of
the Makefile (and ``make run``'s own commands and the next steps it prints, for real).
Only the amount of work is scaled down (draws, particles, samples); every other flag is
kept, every command must exit 0 and every file it names with ``--out`` must appear. PNG
output needs Chromium: without it the PNG part is dropped and the test says so.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ffcast.cli import app
from ffcast.plots.export import find_chromium
from ffcast.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "docs/guide.md")
FFCAST = ".venv/bin/ffcast"
# The work a documented command asks for, scaled down; nothing else about it changes.
SCALED = {"--draws": "4", "--particles": "50", "--draws-per-point": "2"}
SAMPLES = {"sensitivity": "2", "discover": "10"}  # Sobol needs a power of two; PRIM >= 10
# Draws per point: every point reads the same draws (the same seed), i.e. the same posterior
# particles, so two draws make the outcome's range two particles'; PRIM's example threshold
# must fall inside it, so discover reads ten (the guide gives both ranges).
DRAWS_PER_POINT = {"sensitivity": "2", "discover": "10"}
# Commands whose default amount of work is large, and the flag that sets it.
DEFAULT_WORK = {"run": "--draws", "compare": "--draws", "forecast": "--draws",
                "backtest": "--draws", "report": "--draws", "calibrate": "--particles"}


def blocks(path: Path, language: str) -> list[str]:
    """The fenced ``language`` blocks of a Markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def commands(path: Path) -> list[list[str]]:
    """Every command line of the ```bash blocks, split as a shell would (comments dropped)."""
    out = []
    for block in blocks(path, "bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                out.append(words)
    return out


def scaled(args: list[str]) -> list[str]:
    """``args`` with the amount of work scaled down (and bounded where a default is big)."""
    args = list(args)
    for i, word in enumerate(args[:-1]):
        if word in SCALED:
            args[i + 1] = SCALED[word]
        if word == "--samples" and args[0] in SAMPLES:
            args[i + 1] = SAMPLES[args[0]]
    if args[0] in SAMPLES:
        for flag, value in (("--samples", SAMPLES[args[0]]),
                            ("--draws-per-point", DRAWS_PER_POINT[args[0]])):
            if flag not in args:
                args += [flag, value]
    flag = DEFAULT_WORK.get(args[0])
    simulates = not (args[0] == "report" and len(args) > 1 and not args[1].startswith("-"))
    if flag and flag not in args and simulates:  # a report of a results file reads its draws
        args += [flag, SCALED[flag]]
    return args


def _png_flags(args: list[str]) -> tuple[list[str], bool]:
    """``args`` without PNG output when Chromium is missing, and whether anything is left."""
    if find_chromium() is not None:
        return args, True
    if "--png-dir" in args:
        i = args.index("--png-dir")
        return args[:i] + args[i + 2:], True
    if any(a.lower().endswith(".png") for a in args):
        return args, False
    return args, True


def run_ffcast(args: list[str], skipped: list[str]) -> None:
    """Run one documented ``ffcast`` command (scaled) and check it did what it says."""
    shown = " ".join(args)
    args, runnable = _png_flags(scaled(args))
    if not runnable:
        skipped.append(shown)
        return
    if len(args) != len(scaled(shlex.split(shown))):
        skipped.append(f"{shown} (PNG part)")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, f"`ffcast {shown}` failed:\n{res.output[-2000:]}"
    assert "Traceback" not in res.output, shown
    for flag in ("--out", "--png-dir"):
        if flag in args:
            target = Path(args[args.index(flag) + 1])
            assert target.exists(), f"`ffcast {shown}` did not write {target}"


def run_make(target: str, tmp: Path, skipped: list[str]) -> None:
    """``make <target>`` exists; for ``make run``, its ffcast commands and suggestions run."""
    dry = subprocess.run(["make", "-n", "-C", str(ROOT), target, f"OUT={tmp / 'out'}"],
                         capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, f"make {target}: {dry.stderr[-500:]}"
    if target != "run":
        return
    lines = dry.stdout.splitlines()
    recipe = [shlex.split(x) for x in lines if x.startswith(FFCAST)]
    printed = [shlex.split(x.removeprefix("echo "))[0] for x in lines if x.startswith("echo")]
    suggested = [shlex.split(x.strip(), comments=True) for x in printed
                 if x.strip().startswith(FFCAST)]
    assert recipe and any(str(tmp / "out" / "report.html") in x for x in printed)
    assert 2 <= len(suggested) <= 3, printed
    for words in recipe + suggested:
        run_ffcast(words[1:], skipped)
    assert (tmp / "out" / "report.html").is_file()


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow
def test_every_documented_command_runs_as_written(workdir: Path) -> None:
    """README first, then the guide, in one folder (as a reader would): a command printed
    in both runs once."""
    done: set[tuple[str, ...]] = set()
    skipped: list[str] = []
    for doc in DOCS:
        found = commands(ROOT / doc)
        assert found, f"{doc} lost its commands"
        for words in found:
            if tuple(words) in done:
                continue
            done.add(tuple(words))
            if words[0] == "make":
                run_make(words[1], workdir, skipped)
                continue
            assert words[0] == FFCAST, f"{doc}: not an ffcast or make command: {words}"
            run_ffcast(words[1:], skipped)
    if skipped:
        pytest.skip("everything ran but the PNG output (no Chromium): " + "; ".join(skipped))


@pytest.mark.parametrize("doc", DOCS)
def test_every_documented_scenario_ships_in_examples(doc: str) -> None:
    """A YAML block of the docs is the file of that name in examples/, and loads."""
    for block in blocks(ROOT / doc, "yaml"):
        name = re.search(r"^name: (\S+)", block, flags=re.M)
        assert name, f"{doc}: a scenario block without a name"
        path = ROOT / "examples" / f"{name.group(1)}.yaml"
        assert path.read_text(encoding="utf-8") == block, f"{path} differs from {doc}"
        assert load_scenario(path).name == name.group(1)


@pytest.mark.parametrize("doc", DOCS)
def test_every_file_a_command_reads_exists(doc: str) -> None:
    """Scenario files and observation files named by a command are shipped (no guessing)."""
    for words in commands(ROOT / doc):
        for i, word in enumerate(words):
            reads = word.endswith((".yaml", ".yml")) or (
                i and words[i - 1] == "--observations" and word.endswith(".csv"))
            if reads:
                assert (ROOT / word).is_file(), f"{doc}: {' '.join(words)} reads {word}"
