"""Entity-level precision / recall / F1 in the seqeval (conlleval) sense: an entity counts only when its
type and its exact word span both match. Tags are Naver's suffix style: PER-B, PER-I, O (UNK reads as O)."""


def _split(tag):
    if tag in ("O", "UNK") or "-" not in tag:
        return "O", None
    kind, position = tag.rsplit("-", 1)
    return position, kind


def entities(tags):
    """Set of (type, start, end) spans; an I after O or after another type opens a new entity, as seqeval does."""
    spans, start, kind = set(), None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        position, this_kind = _split(tag)
        ends = start is not None and (position in ("O", "B") or this_kind != kind)
        if ends:
            spans.add((kind, start, i))
            start, kind = None, None
        if position == "B" or (position == "I" and start is None):
            start, kind = i, this_kind
    return spans


def entity_scores(gold_sequences, predicted_sequences):
    true_positive = gold_count = predicted_count = 0
    for gold, predicted in zip(gold_sequences, predicted_sequences):
        gold_spans, predicted_spans = entities(gold), entities(predicted)
        true_positive += len(gold_spans & predicted_spans)
        gold_count += len(gold_spans)
        predicted_count += len(predicted_spans)
    precision = true_positive / predicted_count if predicted_count else 0.0
    recall = true_positive / gold_count if gold_count else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": 100 * precision, "recall": 100 * recall, "f1": 100 * f1,
            "gold_entities": gold_count, "predicted_entities": predicted_count}
