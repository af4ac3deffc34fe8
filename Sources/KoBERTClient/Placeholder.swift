// KoBERTClient: owned by its issue's implementer.
