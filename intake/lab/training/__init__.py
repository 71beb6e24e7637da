"""Training and measurement of the shipped character model (``intake/models/charnet.onnx``).

Needs the optional ``train`` extra (PyTorch) for ``train``; ``evaluate`` needs only the runtime.
"""
