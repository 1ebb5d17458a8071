"""The replication set, response plans and incident records: creating, reading, changing
and deleting them, checking a plan's engagements with the contacts service, and engaging a
new incident's responders (putting their pages on its timeline)."""
