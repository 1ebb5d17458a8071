"""The messages services exchange over NATS, one module per producing service.

Consumers import these, never the producing service's package, so no service depends on
another's distribution. They follow msgspec's schema-evolution rules: new fields always
get defaults, and existing fields never change type.
"""
