"""Engagements and pages: resolving a plan to people, paging them stage by stage,
receipts and acceptance, and what stops or fails an engagement."""
