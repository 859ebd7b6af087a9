"""One class per ONNX model; each owns its pre- and post-processing and returns results in caller pixels."""
