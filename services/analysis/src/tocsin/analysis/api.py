"""The analysis service's requests, on ``tocsin.rpc.analysis.<Operation>``: the analysis
operations of Tocsin's own API and the OpsItem operations of the ``ssm`` API."""

from __future__ import annotations

from collections.abc import Mapping

from tocsin.analysis import analyses, export, metrics, opsitems_api, template_source, timeline
from tocsin.analysis.deps import Deps
from tocsin.analysis.graphs import Graphs
from tocsin.shared.bus.rpc import Handler

__all__ = ["operations"]


def operations(deps: Deps, templates: template_source.TemplateSource,
               graphs: Graphs) -> Mapping[str, Handler]:
    """Every operation this service serves, by name."""
    h = analyses.Analyses(deps, templates)
    return {**analyses.operations(h), **timeline.operations(deps, h),
            **export.operations(deps, h, graphs), **metrics.operations(deps),
            **opsitems_api.operations(deps), **template_source.operations()}
