"""Alembic environment: runs migrations against the URL set by ``bot.kernel.db.alembic_config``."""

import importlib
from pathlib import Path

from alembic import context
from sqlalchemy import engine_from_config, pool

import bot.app.channels.models  # noqa: F401
import bot.app.models  # noqa: F401  (registers the core tables on Base.metadata)
import bot.kernel.apikeys  # noqa: F401  (api_keys)
import bot.kernel.notify  # noqa: F401
import bot.kernel.short  # noqa: F401  (reply_prefs)
from bot.kernel.db import Base

# Each skill's tables live in skills/<id>/models.py; import them so autogenerate sees them.
for _models in sorted((Path(__file__).resolve().parents[3] / "skills").glob("*/models.py")):
    importlib.import_module(f"skills.{_models.parent.name}.models")

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
