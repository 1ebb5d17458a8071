"""Run all of Tocsin on one machine."""
