"""The directory: contacts and their plans (engagement plans, escalation plans, on-call
schedules), their tags and policies, and what keeps a contact from being deleted."""
