"""Disaster skill: one registry of disaster resources and expertise from many agencies.

Citizens find open shelters with space, what to do now, ask for help (a case with a number)
and register as volunteers; agencies' staff search, request, pledge and dispatch through
per-agency API keys. See ``README.md``.
"""
