// KoBERTPack: owned by its issue's implementer.
