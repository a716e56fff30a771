"""The recipes of a bake's README ("Extending the app"), as the template tests apply them.

Each code block of a recipe follows an HTML comment saying what to do with it:

    <!-- recipe: create <path> -->            a new file, the block's text
    <!-- recipe: before <path> | <anchor> --> the block inserted before the first line
    <!-- recipe: after <path> | <anchor> -->  ... or after it, that contains <anchor>
    <!-- recipe: run -->                      each line of the block, a shell command
"""

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

RECIPE_STEP = re.compile(
    r"<!-- recipe: (?P<action>\w+)(?: (?P<target>[^\n]*?))? -->\n```\w*\n(?P<block>.*?)```", re.S
)


@dataclass
class Step:
    action: str
    target: str
    block: str


def recipe_steps(readme_text):
    return [
        Step(m["action"], (m["target"] or "").strip(), m["block"]) for m in RECIPE_STEP.finditer(readme_text)
    ]


def apply_steps(project: Path, steps, env):
    """Apply the steps in order; return the commands' outputs."""
    outputs = []
    for step in steps:
        if step.action == "create":
            path = project / step.target
            assert not path.exists(), f"the recipe would overwrite {step.target}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(step.block, encoding="utf-8")
        elif step.action in ("before", "after"):
            relative, anchor = (part.rstrip() for part in step.target.split(" | ", 1))
            insert_beside(project / relative, anchor, step.block, after=step.action == "after")
        elif step.action == "run":
            outputs += [run_command(project, line, env) for line in step.block.splitlines() if line.strip()]
        else:
            raise AssertionError(f"unknown recipe action {step.action!r}")
    return outputs


def insert_beside(path: Path, anchor: str, block: str, after: bool):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    found = [number for number, line in enumerate(lines) if anchor in line]
    assert found, f"no line of {path.name} contains {anchor!r}"
    position = found[0] + 1 if after else found[0]
    lines[position:position] = [block if block.endswith("\n") else block + "\n"]
    path.write_text("".join(lines), encoding="utf-8")


def run_command(project: Path, line: str, env):
    words = shlex.split(line)
    assert words[0] == "flask", f"a recipe runs flask commands only, not {line!r}"
    done = subprocess.run(
        [sys.executable, "-m", *words],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr
