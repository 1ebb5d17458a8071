"""Inbound: what people and providers send back (SMS replies, STOP/START, voice key
presses, acknowledgement links, status callbacks)."""
