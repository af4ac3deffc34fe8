// KoBERTServer: owned by its issue's implementer.
