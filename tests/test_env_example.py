"""`.env.example` lists every environment variable the settings read, so that an
operator reading it sees them all; a setting added without its line fails here."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "backend" / "config" / "settings.py"


def names_read_by_settings() -> set[str]:
    """The first argument of every env_*() call, os.environ.get() and os.getenv() in settings.py."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        function = ast.unparse(node.func)
        if re.fullmatch(r"env_\w+", function) or function in ("os.environ.get", "os.getenv", "os.environ.setdefault"):
            names.add(node.args[0].value)
    return names


def names_listed_in_example() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_the_settings_read_variables_at_all():
    assert {"SECRET_KEY", "DATABASE_URL", "SUN_MASTER_KEY", "EMAIL_FILE_PATH"} <= names_read_by_settings()


def test_every_variable_the_settings_read_is_in_env_example():
    missing = names_read_by_settings() - names_listed_in_example()
    assert not missing, f"add to .env.example (with a comment saying what it is): {sorted(missing)}"


def test_env_example_lists_nothing_the_settings_do_not_read():
    stale = names_listed_in_example() - names_read_by_settings()
    assert not stale, f"not read by backend/config/settings.py any more: {sorted(stale)}"
