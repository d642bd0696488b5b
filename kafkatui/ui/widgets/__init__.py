"""Reusable widgets. Views import what they need from the submodules directly."""
