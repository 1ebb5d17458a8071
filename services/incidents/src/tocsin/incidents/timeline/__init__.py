"""An incident's timeline: the automatic events Tocsin writes and the custom events
responders write, read and edit."""
