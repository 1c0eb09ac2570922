"""Project checks in the spirit of Home Assistant's hassfest, run by the test suite.

* ``skill_import_problems``: a skill may import the standard library, its own package, the
  shared kernel in ``bot`` and the skills it declares in ``dependencies``; never Rasa, rasa-sdk,
  a channel or web module, or an undeclared skill. The one exception: a skill's ``web.py``
  (its pages and APIs, mounted by the app) may import aiohttp.
* ``action_name_problems``: every action name is defined once across ``actions/`` (rasa-sdk
  lets a duplicate silently win) and every action a manifest declares exists.
* ``response_problems``: every response an action sends exists in the domain.

    python -m bot.tools.checks
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path

from bot.kernel.registry import SKILLS_DIR, discover

ROOT = SKILLS_DIR.parent
ACTIONS_DIR = ROOT / "actions"
# The shared kernel a skill may use.
KERNEL = {"bot.kernel"}
# Never from a skill: the engine, the SDK, the app layer (web, channels), tooling, the actions.
FORBIDDEN = ("rasa", "rasa_sdk", "sanic", "aiohttp", "linebot", "fbmessenger", "bot.app",
             "bot.engine", "bot.tools", "actions")
# The layers of ``bot``: what each may import from the others (its own layer always).
LAYERS = {"kernel": set(), "engine": {"kernel"}, "app": {"kernel"},
          "tools": {"kernel", "engine", "app"}}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: inside the skill's own package
                continue
            base = node.module or ""
            found.append((node.lineno, base))
            # "from bot.kernel import text" names bot.kernel.text
            if base == "bot" or base.startswith(("bot.", "skills")):
                found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return found


def _is(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def skill_import_problems(skills_dir: Path = SKILLS_DIR) -> list[str]:
    """Import-rule violations of every skill under ``skills_dir``, as readable lines."""
    problems = []
    stdlib = sys.stdlib_module_names
    for skill in discover(skills_dir):
        allowed_skills = {skill.id, *skill.dependencies}
        requirements = {r.split("=")[0].split("<")[0].split(">")[0].strip().lower().replace("-", "_")
                        for r in skill.requirements}
        for path in sorted(skill.path.rglob("*.py")):
            rel = path.relative_to(skills_dir.parent)
            web_module = path.name == "web.py" and path.parent == skill.path
            for line, module in _imports(path):
                top = module.split(".")[0]
                where = f"{rel}:{line}: {skill.id} imports {module}"
                if web_module and _is(module, "aiohttp"):
                    continue
                if any(_is(module, f) for f in FORBIDDEN):
                    problems.append(f"{where} (skills never import the engine, SDK or channels)")
                elif top == "skills":
                    other = module.split(".")[1] if "." in module else ""
                    if other and other not in allowed_skills:
                        problems.append(f"{where} (not in the manifest's dependencies)")
                elif top == "bot":
                    if module != "bot" and not any(_is(module, k) for k in KERNEL):
                        problems.append(f"{where} (only the shared kernel {sorted(KERNEL)})")
                elif top not in stdlib and top.lower() not in requirements and top != "__future__":
                    problems.append(f"{where} (not in the manifest's requirements)")
    return problems


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_problems(root: Path = ROOT) -> list[str]:
    """Imports across the layers of ``bot`` against ``LAYERS`` (the kernel imports no other
    layer; engine and app import only the kernel; tooling may import all), and import cycles
    among the project's own modules (``bot``, ``skills``, ``actions``) at module level."""
    problems = []
    graph: dict[str, set[str]] = {}
    files = [f for d in ("bot", "skills", "actions") for f in sorted((root / d).rglob("*.py"))
             if "migrations" not in f.parts]
    own = {_module_name(f, root) for f in files}
    for path in files:
        name = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges = graph.setdefault(name, set())
        for node in tree.body:  # module level only: an import inside a function is lazy
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target in own and target != name:
                    edges.add(target)
        if name.startswith("bot.") and name.count(".") >= 1:
            layer = name.split(".")[1]
            for _, module in _imports(path):
                other = module.split(".")[1] if module.startswith("bot.") else None
                if other in LAYERS and layer in LAYERS and other != layer \
                        and other not in LAYERS[layer]:
                    problems.append(f"{path.relative_to(root)}: bot.{layer} imports {module} "
                                    f"(bot.{layer} may import {sorted(LAYERS[layer]) or 'no other layer'})")
    # Cycles: depth-first search over module-level imports.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                problems.append("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt in graph and not state.get(nxt):
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if not state.get(node):
            visit(node)
    return problems


def defined_actions(actions_dir: Path = ACTIONS_DIR) -> list[tuple[str, str]]:
    """``(action name, file:line)`` for every ``name()`` returning a constant in actions/."""
    found = []
    for path in sorted(actions_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for fn in cls.body:
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name == "name":
                    for ret in (n for n in ast.walk(fn) if isinstance(n, ast.Return)):
                        if isinstance(ret.value, ast.Constant) and isinstance(ret.value.value, str):
                            found.append((ret.value.value, f"{path.name}:{ret.lineno}"))
    return found


def action_name_problems(actions_dir: Path = ACTIONS_DIR, skills_dir: Path = SKILLS_DIR) -> list[str]:
    """Duplicate action names, and skill actions declared in a manifest but not defined."""
    actions = defined_actions(actions_dir)
    counts = Counter(name for name, _ in actions)
    problems = [f"action {name!r} is defined {n} times: "
                + ", ".join(w for a, w in actions if a == name)
                for name, n in counts.items() if n > 1]
    for skill in discover(skills_dir):
        problems += [f"skill {skill.id!r} declares {a!r} but no action defines it"
                     for a in skill.actions if a not in counts]
    return problems


def domain_responses(root: Path = ROOT) -> set[str]:
    """Response names of the core domain and every skill's domain fragment."""
    import yaml

    names: set[str] = set()
    for path in [root / "domain.yml", *sorted((root / "nlu_data").glob("*/domain.yml"))]:
        names |= set((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    return names


def response_problems(actions_dir: Path = ACTIONS_DIR, root: Path = ROOT) -> list[str]:
    """Responses named in actions (``"utter_…"`` literals) that no domain file defines.

    ``rasa data validate`` cannot see these uses, so a typo would only show in a conversation.
    """
    known = domain_responses(root)
    problems = []
    for path in sorted(actions_dir.rglob("*.py")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name in re.findall(r"[\"'](utter_[a-z0-9_]+)[\"']", line):
                if name not in known:
                    problems.append(f"{path.name}:{line_no}: response {name!r} is not in the domain")
    return problems


def main() -> int:
    problems = (skill_import_problems() + layer_problems() + action_name_problems()
                + response_problems())
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
