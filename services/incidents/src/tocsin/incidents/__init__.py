"""The incidents service: replication set, response plans, incident records."""
