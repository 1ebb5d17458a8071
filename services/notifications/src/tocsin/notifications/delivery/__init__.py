"""Delivery: pages and activation codes sent to people, with their attempts, waiting
reasons, rate limits, providers and receipts (:mod:`.handlers` has the discipline)."""
