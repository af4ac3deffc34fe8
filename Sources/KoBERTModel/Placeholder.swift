// KoBERTModel: owned by its issue's implementer.
