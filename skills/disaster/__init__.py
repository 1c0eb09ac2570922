"""Disaster resources skill: find and request the nearest disaster resources and experts.

Status: being prepared. The assistant answers its intents honestly with the relevant
hotline until the service is built.
"""
