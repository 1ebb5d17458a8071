"""Tocsin's own service model (``models/tocsin``): botocore reads it, and the gateway routes
every operation in it."""

from __future__ import annotations

import botocore.loaders
import botocore.model

from tocsin.gateway import awsmodel, clients


def test_botocore_loads_the_model_and_its_paginator_from_the_data_path() -> None:
    loader = botocore.loaders.Loader(extra_search_paths=[str(awsmodel.MODELS_DIR)])
    assert "tocsin" in loader.list_available_services("service-2")
    model = botocore.model.ServiceModel(loader.load_service_model("tocsin", "service-2"),
                                        service_name="tocsin")
    assert (model.protocol, model.signing_name, model.metadata["targetPrefix"]) == \
        ("json", "tocsin", "Tocsin")
    paginator = loader.load_service_model("tocsin", "paginators-1")["pagination"]["ListRules"]
    listing = model.operation_model("ListRules")
    assert paginator["input_token"] in listing.input_shape.members
    assert paginator["limit_key"] in listing.input_shape.members
    assert {paginator["output_token"], paginator["result_key"]} <= \
        set(listing.output_shape.members)
    for name in model.operation_names:  # every error an operation names is modelled
        for error in model.operation_model(name).error_shapes:
            assert error.metadata.get("exception"), (name, error.name)


def test_every_operation_has_an_owning_service() -> None:
    model = awsmodel.load("tocsin")
    assert set(clients.TOCSIN_OWNERS) == set(model.operations)
