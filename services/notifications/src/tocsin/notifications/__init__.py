"""Tocsin's notifications service: delivers pages and activation codes to people.

It works through the delivery requests the contacts service writes to
``DELIVERIES_<REGION>`` (:mod:`.delivery`), sends them over SMTP (:mod:`.smtp`) or SMS and
voice providers (:mod:`.providers`) rendered from templates (:mod:`.templates`), reports
receipts to the contacts service (:mod:`.receipts`), and acts on what comes back: SMS
replies, STOP/START, voice key presses and acknowledgement links (:mod:`.inbound`). It
also tells chat webhooks and Tocsin topics about incidents (:mod:`.chat`) and answers
Slack commands (:mod:`.slack`).
"""
