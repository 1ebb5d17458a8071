"""What people read and hear: messages rendered from Jinja templates operators can override.

Each message is ``<kind>.<channel>.txt`` in the package's ``templates/`` folder — kinds
``page`` and ``activation-code``, channels ``email`` (plus ``email-subject``), ``sms`` and
``voice``; and for chat ``incident-started``, ``incident-updated``, ``incident-resolved``
and ``timeline-event`` on channel ``chat`` — and a file of the same name in
``TOCSIN_TEMPLATE_DIR`` replaces the built-in one. Templates are plain text (no HTML
escaping); voice text is escaped for TwiML by the provider that speaks it.

A page's context: ``subject``, ``content``, ``sender``, ``accept_code``, ``page_arn``,
``contact_alias``, ``channel_name``, ``ack_url`` and ``ack_expires`` (email), ``endpoint``
and ``region`` (for CLI commands), and ``incident`` (``title``, ``impact``, ``summary``,
``arn``) with ``impact_label`` when the page belongs to an incident record the incidents
service could describe; ``own_words`` is false when the subject and content only repeat
that incident (a response plan's engagement). An activation code's: ``code``, ``expires``,
``channel_arn``, ``channel_name``, ``contact_alias``, ``endpoint``, ``region``. A chat message's:
``incident`` (``arn``, ``title``, ``impact``, ``status``, ``summary``), ``changed`` (the
attributes an update modified), ``event`` and ``text`` (a timeline event and its text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

__all__ = ["Templates"]


class Templates:
    """The templates of one instance, the override folder first."""

    def __init__(self, override_dir: str = "") -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override_dir:
            loaders.append(jinja2.FileSystemLoader(Path(override_dir)))
        loaders.append(jinja2.PackageLoader("tocsin.notifications", "templates"))
        # The built-in templates never change while the process runs: checking their
        # files' times at every message is work for nothing. An override folder is
        # checked, so an operator's edit applies without a restart.
        self._env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders),
                                       autoescape=False, keep_trailing_newline=False,
                                       undefined=jinja2.StrictUndefined,
                                       auto_reload=bool(override_dir))

    def render(self, kind: str, channel: str, context: dict[str, Any]) -> str:
        """The text of ``kind`` for ``channel`` (``email``, ``email-subject``, ``sms``,
        ``voice``)."""
        text = self._env.get_template(f"{kind}.{channel}.txt").render(context).strip()
        if channel in ("email-subject", "sms", "voice"):
            text = " ".join(text.split())  # one line: a header, a text message, speech
        return text
