"""Project checks in the spirit of Home Assistant's hassfest, run by the test suite.

* ``skill_import_problems``: a skill may import the standard library, its own package, the
  shared kernel in ``bot``, the distributions its manifest ``requirements`` name and the skills
  it declares in ``dependencies``; never Rasa, rasa-sdk, a channel or web module, or an
  undeclared skill. The one exception: a skill's ``web.py``
  (its pages and APIs, mounted by the app) may import aiohttp.
* ``action_name_problems``: every action name is defined once across ``actions/`` (rasa-sdk
  lets a duplicate silently win) and every action a manifest declares exists.
* ``response_problems``: every response an action sends exists in the domain.
* ``skill_manifest_problems``: each skill's training data, rules, action classes,
  requirements and hotlines agree with its manifest (``bot.tools.skillcheck``).

    python -m bot.tools.checks
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from functools import lru_cache
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


def distribution_name(requirement: str) -> str:
    """A distribution's name as PEP 503 compares it: "PyYAML==6.0" → "pyyaml"."""
    name = re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=1)
def _installed() -> dict[str, list[str]]:
    from importlib.metadata import packages_distributions

    return packages_distributions()


def _distributions(top: str) -> list[str]:
    """The distributions that install the module ``top`` ("yaml" → PyYAML), or ``top`` itself
    when none is installed here."""
    return _installed().get(top) or [top]


def _is(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def skill_import_problems(skills_dir: Path = SKILLS_DIR) -> list[str]:
    """Import-rule violations of every skill under ``skills_dir``, as readable lines."""
    problems = []
    stdlib = sys.stdlib_module_names
    for skill in discover(skills_dir):
        allowed_skills = {skill.id, *skill.dependencies}
        requirements = {distribution_name(r) for r in skill.requirements}
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
                elif top not in stdlib and top != "__future__" and not requirements & {
                        distribution_name(d) for d in _distributions(top)}:
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
        problems += [f"{skill.manifest_path.relative_to(skills_dir.parent)}: action {a!r} is "
                     "not defined by any action class in actions/"
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


def text_key_problems(root: Path = ROOT) -> list[str]:
    """Literal keys used with a Thai texts file (``bot.kernel.texts.Texts``) that it lacks.

    Static: a module-level ``NAME = Texts.load(<path>)`` (the path built from ``__file__``,
    ``.parent``, ``/ "name"`` and module constants) makes ``NAME`` texts; in every Python file
    ``NAME("key")``, ``NAME["key"]``, ``NAME.value("key")`` and ``NAME.section("key")`` are
    checked, through ``from … import NAME``, ``module.NAME`` and a section kept in a local
    name (``page = texts.section("page")``; ``page["title"]`` is ``page.title``).
    Reported as file:line.
    """
    from bot.kernel.texts import has_key

    files = [p for d in ("actions", "bot", "skills", "tests") for p in sorted((root / d).rglob("*.py"))]
    trees = {_module_name(p, root): (p, ast.parse(p.read_text(encoding="utf-8"))) for p in files}
    Found = tuple[Path, str]  # the YAML file and the key prefix ("" or "page.")

    def evaluate(node: ast.AST, path: Path, consts: dict[str, ast.AST]) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return path if node.id == "__file__" else (
                evaluate(consts[node.id], path, consts) if node.id in consts else None)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "Path" and node.args:
                return evaluate(node.args[0], path, consts)
            if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute"):
                return evaluate(func.value, path, consts)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = evaluate(node.value, path, consts)
            return base.parent if isinstance(base, Path) else None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "parents" and isinstance(node.slice, ast.Constant):
            base = evaluate(node.value.value, path, consts)
            return base.parents[node.slice.value] if isinstance(base, Path) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = evaluate(node.left, path, consts), evaluate(node.right, path, consts)
            return left / right if isinstance(left, Path) and isinstance(right, str) else None
        return None

    holders: dict[str, dict[str, Found]] = {}  # module → its texts names
    for module, (path, tree) in trees.items():
        consts = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign)
                  for t in n.targets if isinstance(t, ast.Name)}
        for name, value in consts.items():
            if isinstance(value, ast.Call) and ast.unparse(value.func) in (
                    "Texts.load", "Texts", "texts.Texts.load") and value.args:
                found = evaluate(value.args[0], path.resolve(), consts)
                if isinstance(found, Path):
                    holders.setdefault(module, {})[name] = (found, "")

    def literal(node: ast.AST) -> str | None:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) \
            else None

    problems: list[str] = []

    def check_file(module: str, path: Path, tree: ast.Module) -> None:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        names = dict(holders.get(module, {}))  # local name → texts
        modules: dict[str, str] = {}  # local name → a module holding texts
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                for a in node.names:
                    if a.name in holders.get(base, {}):
                        names[a.asname or a.name] = holders[base][a.name]
                    elif f"{base}.{a.name}" in holders:
                        modules[a.asname or a.name] = f"{base}.{a.name}"
            elif isinstance(node, ast.Import):
                modules.update({a.asname or a.name: a.name for a in node.names if a.name in holders})

        def texts_of(node: ast.AST, scope: dict[str, Found]) -> Found | None:
            """The texts an expression stands for (a name, module.name or a section)."""
            if isinstance(node, ast.Name):
                return scope.get(node.id)
            if isinstance(node, ast.Attribute):
                owner = ast.unparse(node.value)
                return holders.get(modules.get(owner, owner), {}).get(node.attr)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "section" and node.args and literal(node.args[0]):
                found = texts_of(node.func.value, scope)
                return (found[0], f"{found[1]}{literal(node.args[0])}.") if found else None
            return None

        def use(node: ast.AST, scope: dict[str, Found]) -> tuple[Found, ast.AST] | None:
            """``(texts, key expression)`` when ``node`` looks a key up in texts."""
            if isinstance(node, ast.Call) and node.args:
                found = texts_of(node.func, scope)
                if found is None and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in ("value", "section"):
                    found = texts_of(node.func.value, scope)
                return (found, node.args[0]) if found else None
            if isinstance(node, ast.Subscript):
                found = texts_of(node.value, scope)
                return (found, node.slice) if found else None
            return None

        def visit(node: ast.AST, scope: dict[str, Found]) -> None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope = dict(scope)
                for n in ast.walk(node):  # sections kept in this function's local names
                    if isinstance(n, ast.Assign) and len(n.targets) == 1 \
                            and isinstance(n.targets[0], ast.Name):
                        found = texts_of(n.value, scope)
                        if found is not None:
                            scope[n.targets[0].id] = found
            used = use(node, scope)
            if used is not None and literal(used[1]) is not None:
                yml, key = used[0][0], used[0][1] + literal(used[1])
                if not has_key(yml, key):
                    shown = yml.relative_to(root) if yml.is_relative_to(root) else yml
                    problems.append(f"{path.relative_to(root)}:{node.lineno}: text key "
                                    f"{key!r} is not in {shown}")
            for child in ast.iter_child_nodes(node):
                visit(child, scope)

        visit(tree, names)

    for module, (path, tree) in trees.items():
        check_file(module, path, tree)
    return problems


def skill_manifest_problems(root: Path = ROOT) -> list[str]:
    """Each skill against its manifest (``bot.tools.skillcheck``; imported here, not at the
    top, because it uses this module's helpers)."""
    from bot.tools import skillcheck

    return skillcheck.problems(root)


def main() -> int:
    problems = (skill_import_problems() + layer_problems() + action_name_problems()
                + response_problems()
                + text_key_problems() + skill_manifest_problems())
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
