"""Seeded synthetic sequence tasks: adding problem, temporal order, copy memory, future-context tagging, continual stream."""

__all__ = []
