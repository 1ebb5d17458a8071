"""Findings: the deployments and stack updates reported on ``changes.<source>`` that were
under way when an incident began."""
