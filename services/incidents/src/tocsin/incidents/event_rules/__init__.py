"""Event rules: an EventBridge event pattern (:mod:`.eventpattern`) and the response plan
that an alarm event matching it starts an incident from."""
