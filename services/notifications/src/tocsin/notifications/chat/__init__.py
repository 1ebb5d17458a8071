"""Chat: incident news posted to chat webhooks and Tocsin topics, and Slack commands."""
