"""Data sources: plain-Python clients that return frozen snapshots from kafkatui.model (no Textual)."""
