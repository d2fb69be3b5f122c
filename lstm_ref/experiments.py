"""Experiment drivers shared by the long-range chapters: train a model on a task until a threshold, over seeds."""

__all__ = []
