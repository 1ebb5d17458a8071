"""Tocsin's benchmarks (`make bench`): bounded in time, printing `name: value unit` lines."""
