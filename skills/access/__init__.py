"""Services for blind and low-vision people skill: education, employment and welfare services for blind and low-vision people.

Status: being prepared. The assistant answers its intents honestly with the relevant
hotline until the service is built.
"""
