"""Tocsin's notifications service: delivers pages and activation codes to people.

Three capabilities, each a package with its ``domain`` (pure), ``store`` (SQL) and
``handlers``:

- :mod:`.delivery` works through the delivery requests the contacts service writes to
  ``DELIVERIES_<REGION>``, renders them from templates (:mod:`.templates`,
  :mod:`.delivery.compose`) and sends them over SMTP (:mod:`.delivery.smtp`) or SMS and
  voice providers (:mod:`.delivery.providers`) within their rate limits
  (:mod:`.delivery.ratelimit`), and reports receipts to the contacts service
  (:mod:`.delivery.receipts`);
- :mod:`.inbound` acts on what comes back: SMS replies, STOP/START, voice key presses and
  acknowledgement links;
- :mod:`.chat` tells chat webhooks and Tocsin topics about incidents, and answers Slack
  commands (:mod:`.chat.slack`).

``settings``, ``app`` (the service's one table) and ``api`` (its requests) sit on top.
"""
