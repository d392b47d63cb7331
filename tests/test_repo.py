"""The repository itself: README's test command is what CI runs; code is clean; notebooks stripped."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, flags=re.S)


def test_readme_gives_exactly_two_commands():
    commands = readme_commands()
    assert len(commands) == 2, commands
    assert "jupyter lab" in commands[0]
    assert "pytest" in commands[1]


def jupyter_lab_arguments(command: str) -> list[str]:
    """The arguments README's first command passes to ``jupyter lab``, as the shell expands them."""
    before, found, rest = command.partition(".venv/bin/jupyter lab ")
    assert found, command
    shell = subprocess.run(["bash", "-c", f"printf '%s\\n' {rest}"], cwd=ROOT, capture_output=True,
                           text=True, check=True)
    return shell.stdout.splitlines()


def test_readme_opens_the_whole_repository_with_00_first(monkeypatch):
    # jupyter_server's own parser decides what the server's root is and what it opens.
    from jupyter_server.serverapp import ServerApp

    arguments = jupyter_lab_arguments(readme_commands()[0])
    monkeypatch.chdir(ROOT)  # the README's commands run from the repository folder
    app = ServerApp()
    app.parse_command_line(arguments)
    assert Path(app.root_dir).resolve() == ROOT
    assert Path(app.file_to_run) == ROOT / "notebooks" / "00_start_here.ipynb"
    # As root JupyterLab refuses to start without --allow-root; the command adds it then only.
    assert ("--allow-root" in arguments) == (os.geteuid() == 0)


def test_ci_runs_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert readme_commands()[1] in ci


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with requirements-test.txt)")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_are_committed_without_outputs():
    nbstripout = shutil.which("nbstripout", path=str(Path(sys.executable).parent))
    if nbstripout is None:
        pytest.skip("nbstripout is not installed (it comes with requirements-test.txt)")
    notebooks = sorted(
        str(p) for folder in ("notebooks", "solutions", "exercises") for p in (ROOT / folder).glob("*.ipynb")
    )
    if not notebooks:
        pytest.skip("no notebooks yet")
    result = subprocess.run([nbstripout, "--verify", *notebooks], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_the_package():
    """``mypy bpcourse`` (config in pyproject.toml) finds no error in any module of the package."""
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent)) or shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (it comes with the [test] extra)")
    result = subprocess.run([mypy, "bpcourse"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    modules = len(list((ROOT / "bpcourse").rglob("*.py")))
    assert f"no issues found in {modules} source files" in result.stdout, result.stdout
