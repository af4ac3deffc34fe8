// KoBERTProtocol: owned by its issue's implementer.
