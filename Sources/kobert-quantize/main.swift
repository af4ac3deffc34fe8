// Placeholder until issue 4's implementer writes the quantizer.
print("kobert-quantize is not implemented yet")
