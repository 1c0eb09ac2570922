"""Forest sensors and alerts skill: real-time forest sensors, alerts to subscribers and a unified forest map.

Status: being prepared. The assistant answers its intents honestly with the relevant
hotline until the service is built.
"""
