// KoBERTTokenizer: owned by its issue's implementer.
