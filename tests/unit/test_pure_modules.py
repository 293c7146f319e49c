"""Pure modules (labels, masking, PDF fonts, instance secrets) import no web framework and no database."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "flask_smorest", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "voting.extensions")


@pytest.mark.parametrize("module", ["voting/labels_zh.py", "voting/privacy.py", "voting/pdf_fonts.py",
                                    "voting/instance_secrets.py"])
def test_a_pure_module_imports_nothing_of_the_web_or_the_database(module):
    imported = []
    for node in ast.walk(ast.parse((ROOT / module).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("voting." + node.module if node.level else node.module)
    assert [name for name in imported if name.split(".")[0] in FORBIDDEN or name in FORBIDDEN
            or name.startswith("voting.extensions")] == []
