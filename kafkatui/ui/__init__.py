"""The Textual app: the only package that imports Textual (a test enforces it by glob)."""
