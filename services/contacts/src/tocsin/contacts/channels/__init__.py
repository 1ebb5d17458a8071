"""Contact channels (email, SMS, voice) and their activation by code."""
