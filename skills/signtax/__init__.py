"""Bangkok signboard tax skill: bangkok signboard tax: calculation by law, PromptPay bill and receipt.

Status: being prepared. The assistant answers its intents honestly with the relevant
hotline until the service is built.
"""
