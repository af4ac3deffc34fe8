// KoBERTCheckpoint: owned by its issue's implementer.
