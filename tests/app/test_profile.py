"""The production profile says everything it lacks before starting anything."""

from __future__ import annotations

from pathlib import Path

from bot.tools import profile
from bot.tools.run import make_stack
from bot.tools.stack import free_port


def test_a_machine_without_the_shared_stores_is_told_each_missing_piece():
    closed = free_port()  # nothing listens there
    problems = profile.missing({"DATABASE_URL": "sqlite:///var/app.db",
                                "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(closed),
                                "ENGINES": "many", "ACTION_WORKERS": "0"})
    said = "\n".join(problems)
    assert "DATABASE_URL must name a PostgreSQL database" in said
    assert "TRACKER_URL must name a PostgreSQL database" in said
    assert f"Redis (Rasa's lock store) does not answer at 127.0.0.1:{closed}" in said
    assert "ENGINES must be a number from 1 to 16" in said
    assert "ACTION_WORKERS must be a number from 1 to 16 (it is '0')" in said
    assert "SECRET_KEY must be set" in said


def test_a_wrong_postgresql_address_is_named_not_started_on():
    closed = free_port()
    problems = profile.missing({
        "DATABASE_URL": f"postgresql+psycopg://bot@127.0.0.1:{closed}/bot",
        "TRACKER_URL": f"postgresql://bot@127.0.0.1:{closed}/bot_tracker",
        "SECRET_KEY": "k"})
    assert any(p.startswith("DATABASE_URL: PostgreSQL does not let us in") for p in problems)
    assert any(p.startswith("TRACKER_URL: PostgreSQL does not let us in") for p in problems)


def test_the_run_command_refuses_an_unknown_profile_and_a_machine_that_lacks_one(capsys):
    assert make_stack(Path("model.tar.gz"), {"PROFILE": "huge"}) is None
    assert "PROFILE must be one of single, production" in capsys.readouterr().err
    assert make_stack(Path("model.tar.gz"), {"PROFILE": "production"}) is None
    err = capsys.readouterr().err
    assert "the production profile cannot start here" in err and "DATABASE_URL" in err


def test_the_production_processes_and_their_ports():
    options = profile.stack_options({"ENGINES": "3", "WEB_APPS": "2", "APP_PORT": "8080",
                                     "ENGINE_PORT": "5005", "ACTION_WORKERS": "3"})
    assert options == {"engine_port": 5005, "more_engines": [5006, 5007], "app_port": 8081,
                       "more_webs": [8082], "balancer_port": 8080, "action_workers": 3}
