"""Input checks shared by the public entry points: shapes, dtypes, finiteness, with messages that name the argument and the expected and actual shape."""

__all__ = []
