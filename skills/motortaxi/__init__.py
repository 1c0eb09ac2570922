"""Motorcycle taxis skill: verify a rider by vest QR or ID code, complaints, legal fares, trip sharing.

Status: being prepared. The assistant answers its intents honestly with the relevant
hotline until the service is built.
"""
