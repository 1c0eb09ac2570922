"""Skill plugins: one package per public service, discovered by ``bot.kernel.registry``."""
