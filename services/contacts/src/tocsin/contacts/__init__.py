"""The contacts service: contacts, channels, plans, rotations, engagements and pages."""
