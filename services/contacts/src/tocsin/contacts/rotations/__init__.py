"""Rotations, their overrides, and the shifts that say who is on call when."""
