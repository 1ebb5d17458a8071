"""Runbooks on incidents: what the incidents service does with the runbooks service's
events (:mod:`.consumer`)."""

from tocsin.incidents.runbooks.consumer import START_FAILURE, STEP_COMPLETED, WAITING, consumer

__all__ = ["START_FAILURE", "STEP_COMPLETED", "WAITING", "consumer"]
