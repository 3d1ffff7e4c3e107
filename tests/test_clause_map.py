"""The clause map (brandname/rules/CLAUSES.md) names code and tests that exist."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "brandname" / "rules" / "CLAUSES.md"
REF = re.compile(r"`([\w/]+\.py)::(\w+)`")


def _defined(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _rows():
    return [
        line
        for line in MAP.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and "::" in line
    ]


def test_every_reference_in_the_clause_map_exists():
    missing = []
    for line in _rows():
        for path, name in REF.findall(line):
            file = ROOT / path
            if not file.is_file() or name not in _defined(file):
                missing.append(f"{path}::{name}")
    assert not missing, missing


def test_every_row_names_the_code_and_a_test():
    rows = _rows()
    assert len(rows) >= 40
    for line in rows:
        refs = REF.findall(line)
        assert any(p.startswith("brandname/") for p, _ in refs), line
        assert any(p.startswith("tests/") and n.startswith("test_") for p, n in refs), line


def test_the_check_catches_a_missing_test(tmp_path):
    file = tmp_path / "t.py"
    file.write_text("def test_here():\n    pass\n")
    assert "test_here" in _defined(file) and "test_gone" not in _defined(file)


def test_the_readme_links_the_clause_map():
    assert "brandname/rules/CLAUSES.md" in (ROOT / "README.md").read_text(encoding="utf-8")
