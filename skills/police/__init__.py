"""Police skill: which police station covers a place, station contacts, legal information and crime warnings.

Status: being prepared. The assistant answers its intents honestly with the relevant
hotline until the service is built.
"""
