"""Tocsin's shared runtime: what every service is built on."""
