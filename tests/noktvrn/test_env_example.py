"""`.env.example` documents every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = tuple(
    sorted(path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in {"tests", "bench"})
)
READ = re.compile(
    r"(?:_env(?:_[a-z]+)?|_int|_float|_bool|_list|env_[a-z]+|os\.environ\.get|os\.getenv|os\.environ\[)"
    r"\(?\s*[\"']([A-Z][A-Z0-9_]+)[\"']"
)


def test_every_variable_read_is_documented():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    read: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for name in READ.findall(path.read_text()):
                read.setdefault(name, str(path.relative_to(ROOT)))
    assert len(read) > 100, "the scan should find the project's settings"
    missing = {name: where for name, where in read.items() if name not in documented}
    assert not missing, f"add these to .env.example: {missing}"
