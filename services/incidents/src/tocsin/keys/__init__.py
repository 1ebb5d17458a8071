"""``python -m tocsin.keys``: the replication set's data keys, from the operator's side."""
