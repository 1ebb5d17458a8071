"""Wildcard values (``{"wildcard": "dir/*.png"}``): parsing, matching and complexity.

A wildcard value is split once, at compile time, into the literal segments between its
unescaped ``*`` characters; matching is then a prefix, a suffix and a left-to-right search of
the middle segments, which is linear in the value and never backtracks. EventBridge's escape
rules apply: ``\\*`` is a literal asterisk, ``\\\\`` a literal backslash, a backslash before
anything else is an error, and two wildcards in a row are an error.

EventBridge also refuses rules whose wildcards are "too complex". Its measure (from the
reference implementation, aws/event-ruler's ``MachineComplexityEvaluator``) is, for one field,
the largest number of wildcard-pattern prefixes that any single input string fully matches at
once: the number of matching paths a matcher has to follow in parallel. :func:`complexity`
computes exactly that by exploring the subset automaton of the field's patterns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["WildcardSyntaxError", "complexity", "matches", "parse"]

Segments = tuple[str, ...]
"""The literal parts of a wildcard value; ``len(segments) - 1`` is its number of wildcards."""


class WildcardSyntaxError(ValueError):
    """The wildcard value breaks EventBridge's escape or consecutive-wildcard rules."""


def parse(text: str) -> Segments:
    """Split a wildcard value into its literal segments, applying the escape rules."""
    segments: list[str] = []
    current: list[str] = []
    previous_was_wildcard = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "*":
            if previous_was_wildcard:
                raise WildcardSyntaxError(f"consecutive wildcard characters at position {i}")
            segments.append("".join(current))
            current = []
            previous_was_wildcard = True
            i += 1
            continue
        previous_was_wildcard = False
        if char == "\\":
            if i + 1 < len(text) and text[i + 1] in "*\\":
                current.append(text[i + 1])
                i += 2
                continue
            raise WildcardSyntaxError(
                f"invalid escape character at position {i}: only \\* and \\\\ are allowed")
        current.append(char)
        i += 1
    segments.append("".join(current))
    return tuple(segments)


def matches(segments: Segments, value: str) -> bool:
    """Whether ``value`` matches the wildcard value split into ``segments``."""
    if len(segments) == 1:
        return value == segments[0]
    first, last = segments[0], segments[-1]
    if len(value) < len(first) + len(last):
        return False
    if not value.startswith(first) or not value.endswith(last):
        return False
    position, end = len(first), len(value) - len(last)
    for segment in segments[1:-1]:
        found = value.find(segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


_STAR = None
"""Token standing for a wildcard in a tokenised pattern (literal tokens are 1-char strings)."""

_OTHER = ""
"""Stands for any character that no pattern contains (no token equals it)."""


def _tokens(segments: Segments) -> tuple[str | None, ...]:
    out: list[str | None] = []
    for index, segment in enumerate(segments):
        if index:
            out.append(_STAR)
        out.extend(segment)
    return tuple(out)


def _close(tokens: Sequence[str | None], states: set[int]) -> frozenset[int]:
    """Add, after each prefix that ends before a wildcard, the prefix taking it empty."""
    for k in list(states):
        if k < len(tokens) and tokens[k] is _STAR:
            states.add(k + 1)
    return frozenset(states)


def _step(tokens: Sequence[str | None], active: frozenset[int], char: str) -> frozenset[int]:
    """Prefix lengths k for which ``tokens[:k]`` fully matches (previous input + ``char``)."""
    after: set[int] = set()
    for k in active:
        if k and tokens[k - 1] is _STAR:
            after.add(k)  # the wildcard absorbs the character
        if k < len(tokens) and tokens[k] == char:
            after.add(k + 1)
    return _close(tokens, after)


def complexity(patterns: Iterable[Segments], *, limit: int, budget: int = 100_000) -> int:
    """Largest number of pattern prefixes one input fully matches, capped at ``limit + 1``.

    Counts, like event-ruler, every non-empty prefix of every wildcard pattern of one field
    (a pattern without wildcards counts once). The search walks the subset automaton depth
    first, so that crowded states are met early, and gives up after ``budget`` pattern steps
    (well under a second): a field that needs more is reported as over the limit.
    """
    token_lists = [_tokens(segments) for segments in patterns]
    if not token_lists:
        return 0
    start = tuple(_close(tokens, {0}) for tokens in token_lists)
    seen = {start}
    stack = [start]
    worst = 0
    work = 0
    while stack:
        state = stack.pop()
        worst = max(worst, sum(len(active) - (0 in active) for active in state))
        if worst > limit or work > budget:
            return limit + 1
        # Only characters some active prefix can take next lead anywhere new; every other
        # character behaves like one that no pattern contains.
        useful = {tokens[k] for tokens, active in zip(token_lists, state, strict=True)
                  for k in active if k < len(tokens) and tokens[k] is not _STAR}
        for char in [*sorted(c for c in useful if c is not None), _OTHER]:
            following = tuple(_step(tokens, active, char)
                              for tokens, active in zip(token_lists, state, strict=True))
            work += len(token_lists)
            if any(following) and following not in seen:
                seen.add(following)
                stack.append(following)
    return worst
