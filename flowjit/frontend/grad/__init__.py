"""Gradients: the registry and driver (gradients.py) and each op family's gradients (<family>_grad.py)."""
