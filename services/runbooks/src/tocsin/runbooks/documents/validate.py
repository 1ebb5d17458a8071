"""Validation of a document's content at CreateDocument and UpdateDocument.

``Automation`` documents are checked against the schema 0.3 rules Tocsin can check
without running them (each problem raises :class:`InvalidDocumentContent` naming it):
``schemaVersion`` 0.3, ``mainSteps`` present, unique and well-formed step names, every
``nextStep`` / ``onFailure: step:X`` / ``onCancel`` / branch target existing, known
``aws:branch`` operators, ``{{ }}`` references resolving to declared parameters, outputs
of steps that may run before, declared variables or automation built-ins, parameter types
and defaults, and each action's required inputs. Actions that need AWS infrastructure
are accepted, so documents written for AWS import unchanged (they fail at run time).

Other document types register their own check with :func:`register`; the
``ProblemAnalysisTemplate`` check here only requires an object, the analysis service
owns its deeper schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Validator", "register", "validate"]

Validator = Callable[[dict[str, Any]], None]
"""A document type's check: raises InvalidDocumentContent naming the problem."""

_VALIDATORS: dict[str, Validator] = {}


def register(document_type: str, validator: Validator) -> None:
    """Make ``validator`` the check of ``document_type`` (replacing the built-in one)."""
    _VALIDATORS[document_type] = validator


def validate(content: dict[str, Any], document_type: str) -> None:
    """Check ``content`` (as :func:`~tocsin.runbooks.documents.content.parse` returned it)
    against the rules of ``document_type``.

    Raises:
        InvalidDocumentContent: the first problem found, named.
    """
    raise NotImplementedError
