"""The incidents service's table of operations."""

from __future__ import annotations

import gzip
import importlib.resources
import json
from typing import Any

from tocsin.incidents import api
from tocsin.incidents.usecases import Deps
from tocsin.shared.clock import SystemClock


class TestOperations:
    def test_every_operation_of_the_model_has_an_endpoint(self) -> None:
        """Each ssm-incidents operation has an endpoint: served, or refused by name."""
        data = importlib.resources.files("botocore") / \
            "data/ssm-incidents/2018-05-10/service-2.json.gz"
        model: dict[str, Any] = json.loads(gzip.decompress(data.read_bytes()))
        deps = Deps(pool=None, clock=SystemClock(), region="local-1",  # type: ignore[arg-type]
                    account="000000000000")
        assert set(api.operations(deps)) == set(model["operations"])
