"""Administration of the incidents' resources: tags, resource policies of response plans,
and the webhooks' integration keys."""
