"""An incident's related items: the resources, links, metrics and incidents attached to it,
and the resources its trigger names (``INVOLVED_RESOURCE``)."""
