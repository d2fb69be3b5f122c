"""Character-level language modelling: vocabularies, truncated-BPTT batches, sampling with temperature."""

__all__ = []
