"""Every service names who acts, and a forgotten `actor=` fails loudly, never skips a check.

- Every function in lms/ with a parameter named `actor` takes it keyword-only and without a
  default, so that a call without it is refused by Python (TypeError naming `actor`) before a
  line of the body runs: proven by reading every file (nested functions too) and by calling
  every such function of every module without it.
- require(None, ...) raises ActorMissing; SYSTEM passes every role check; a user passes only
  with one of the roles asked, and is refused with the caller's message.
- Nothing outside lms/core/actors.py decides by whether an actor is None (or falsy): that is
  how a missing actor used to skip the permission check.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import lms
from lms.auth.models import User
from lms.core.actors import SYSTEM, ActorMissing, actor_id, require
from lms.errors import DomainError

PACKAGE = Path(lms.__file__).resolve().parent
ACTORS_MODULE = PACKAGE / "core" / "actors.py"
# The functions whose subject is the actor itself: what they check is the argument.
SUBJECTS = {"lms.core.actors.require", "lms.core.actors.actor_id"}


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _where(path: Path, node: ast.AST) -> str:
    shown = path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE.parent) else path.name
    return f"{shown}:{node.lineno}"


# --- every actor parameter is keyword-only, without a default (read from the source) ---------


def _actor_parameter_problems(path: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        keyword_only = [a.arg for a in args.kwonlyargs]
        if "actor" in positional:
            problems.append(f"{_where(path, node)} {node.name}: actor is positional")
        elif "actor" in keyword_only:
            default = args.kw_defaults[keyword_only.index("actor")]
            if default is not None:
                problems.append(
                    f"{_where(path, node)} {node.name}: actor has a default "
                    f"({ast.unparse(default)})"
                )
    return problems


def test_every_actor_parameter_is_keyword_only_without_a_default():
    problems = [
        problem
        for path in _sources()
        if path != ACTORS_MODULE
        for problem in _actor_parameter_problems(path)
    ]
    assert problems == []


def test_the_source_check_sees_positional_and_defaulted_actors(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "def a(x, actor): ...\n"
        "def b(x, *, actor=None): ...\n"
        "def c(x, *, actor): ...\n"
        "class K:\n    def d(self, *, actor=SYSTEM): ...\n"
    )
    found = [p.split(" ", 1)[1] for p in _actor_parameter_problems(source)]
    assert found == [
        "a: actor is positional",
        "b: actor has a default (None)",
        "d: actor has a default (SYSTEM)",
    ]


# --- and a call without it fails (every function reachable from a module) --------------------


def _functions_of(module) -> list[tuple[str, object]]:
    """(qualified name, function) for the functions and methods defined in this module."""
    found = []
    for name, value in vars(module).items():
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            found.append((f"{module.__name__}.{name}", value))
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            for attribute, member in vars(value).items():
                function = getattr(member, "__func__", member)  # static and class methods
                if inspect.isfunction(function):
                    found.append((f"{module.__name__}.{name}.{attribute}", function))
    return found


def _functions_with_an_actor() -> list[tuple[str, object]]:
    found = []
    for info in pkgutil.walk_packages(lms.__path__, "lms."):
        module = importlib.import_module(info.name)
        for name, function in _functions_of(module):
            if name not in SUBJECTS and "actor" in inspect.signature(function).parameters:
                found.append((name, function))
    return sorted(found, key=lambda item: item[0])


FUNCTIONS = _functions_with_an_actor()


def test_the_services_are_found():
    names = {name for name, _ in FUNCTIONS}
    assert {
        "lms.classes.services.create_class",
        "lms.enrollment.services.assign_trainees",
        "lms.admin.services.create_user",
        "lms.units.services.create_unit",
        "lms.core.audit.record",
        "lms.core.jobs.start_job",
    } <= names
    assert len(names) >= 40


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_a_call_without_actor_fails_loudly(name, function):
    parameter = inspect.signature(function).parameters["actor"]
    # Checked first: with a default (or positional), the call below would run the body.
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: actor is not keyword-only"
    assert parameter.default is inspect.Parameter.empty, f"{name}: actor has a default"
    args, kwargs = [], {}
    for other in inspect.signature(function).parameters.values():
        if other.name == "actor" or other.default is not inspect.Parameter.empty:
            continue
        if other.kind in (other.POSITIONAL_ONLY, other.POSITIONAL_OR_KEYWORD):
            args.append(object())
        elif other.kind is other.KEYWORD_ONLY:
            kwargs[other.name] = object()
    with pytest.raises(TypeError, match=r"required keyword-only argument: 'actor'"):
        function(*args, **kwargs)


# --- require, SYSTEM, actor_id -------------------------------------------------------------------


def test_require_refuses_a_missing_actor_loudly():
    with pytest.raises(ActorMissing):
        require(None, "director", message="Only directors.")
    with pytest.raises(ActorMissing):
        actor_id(None)
    assert issubclass(ActorMissing, TypeError)
    assert not issubclass(ActorMissing, DomainError)  # never shown to a user as a refusal


@pytest.mark.parametrize("roles", [("trainee",), ("instructor",), ("director",), ("admin",)])
def test_the_system_actor_passes_every_role_check(roles):
    require(SYSTEM, *roles, message="never shown")
    assert actor_id(SYSTEM) is None  # stored in the audit log as no user


def test_a_user_passes_only_with_one_of_the_roles():
    director = User(id=7, is_director=True, is_admin=False, is_trainee=False, is_instructor=False)
    require(director, "director", message="Only directors.")
    require(director, "admin", "director", message="Admins or directors.")
    with pytest.raises(DomainError) as refused:
        require(director, "admin", message="Only administrators manage users.")
    assert str(refused.value.message) == "Only administrators manage users."
    with pytest.raises(DomainError):
        require(director, message="No role named: nobody passes.")
    assert actor_id(director) == 7


# --- nobody decides by "actor is None" -------------------------------------------------------


def _is_actor(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "actor") or (
        isinstance(node, ast.Attribute) and node.attr == "actor"
    )


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _none_checks(path: Path) -> list[str]:
    """`actor is None`, `actor is not None`, `actor == None`, and `if actor` / `not actor` /
    `actor or ...`: every way of treating a missing actor as a case to handle."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(map(_is_actor, operands)) and any(map(_is_none, operands)):
                found.append(f"{_where(path, node)} {ast.unparse(node)}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            if _is_actor(node.operand):
                found.append(f"{_where(path, node)} {ast.unparse(node)}")
        elif isinstance(node, ast.BoolOp) and any(map(_is_actor, node.values)):
            found.append(f"{_where(path, node)} {ast.unparse(node)}")
        elif isinstance(node, ast.If | ast.IfExp | ast.While) and _is_actor(node.test):
            found.append(f"{_where(path, node)} if {ast.unparse(node.test)}")
    return found


def test_no_code_outside_core_actors_tests_whether_an_actor_is_none():
    found = [
        check for path in _sources() if path != ACTORS_MODULE for check in _none_checks(path)
    ]
    assert found == []


def test_the_none_check_finds_every_spelling(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "a = actor is None\n"
        "b = ctx.actor is not None\n"
        "c = None == actor\n"
        "d = not actor\n"
        "e = actor or SYSTEM\n"
        "if actor:\n    pass\n"
        "f = actor.unit_id is None\n"  # a property of a present actor: fine
        "g = other is None\n"
    )
    assert len(_none_checks(source)) == 6
