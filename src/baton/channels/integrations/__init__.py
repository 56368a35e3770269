"""Ticket systems, chat notices and outgoing webhooks: Zendesk, Slack and signed webhooks.

`settings` is imported by `baton.config`, so this package imports nothing at load time;
`install_integrations` imports the clients when it is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from baton.domain.integration_settings import IntegrationSettings
    from baton.services.context import ServiceContext


def install_integrations(ctx: ServiceContext, settings: IntegrationSettings) -> None:
    """Register the Zendesk, Slack and webhook job handlers on `ctx.jobs` (at start-up)."""
    from baton.channels.integrations.slack import SlackClient
    from baton.channels.integrations.webhooks import WebhookSender
    from baton.channels.integrations.zendesk import ZendeskClient
    from baton.services.integrations import IntegrationClients, register_integration_jobs

    clients = IntegrationClients(
        zendesk=ZendeskClient(settings.zendesk) if settings.zendesk.enabled else None,
        slack=SlackClient(settings.slack) if settings.slack.enabled else None,
        webhooks=WebhookSender(settings.webhooks),
    )
    register_integration_jobs(ctx, clients, settings)
